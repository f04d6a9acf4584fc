import { once } from 'node:events'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { type NetworkInterfaceInfo, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { lanAddresses } from '../server/lan-addresses.js'
import { runOrdersMainToExit, startOrdersMain } from './support/start-main.js'

/** What `npm start` prints: the addresses to open, and one clear line when it cannot start. */
describe('npm start output', () => {
  const dirs: string[] = []
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'orders-start-'))
    dirs.push(dir)
    return dir
  }
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  it('lists the non-internal IPv4 addresses as the LAN addresses', () => {
    const ip = (address: string, internal = false): NetworkInterfaceInfo =>
      address.includes(':')
        ? { address, family: 'IPv6', internal, netmask: '', mac: '', cidr: null, scopeid: 0 }
        : { address, family: 'IPv4', internal, netmask: '', mac: '', cidr: null }
    const interfaces = {
      lo: [ip('127.0.0.1', true), ip('::1', true)],
      eth0: [ip('192.168.1.20'), ip('fe80::1')],
      wlan0: [ip('10.0.0.7')],
    }
    expect(lanAddresses(interfaces)).toEqual(['192.168.1.20', '10.0.0.7'])
  })

  it('prints the address tablets on the network should open when it listens on 0.0.0.0', async () => {
    const main = await startOrdersMain({ HOST: '0.0.0.0', PGLITE_DATA_DIR: dataDir() })
    try {
      const port = new URL(main.url).port
      for (const address of lanAddresses()) {
        await expect.poll(() => main.output()).toContain(`On your network: http://${address}:${port}`)
      }
    } finally {
      await main.stop()
    }
  })

  it('says in one line that the port is in use, without a stack trace or touching the data', async () => {
    const holder: Server = createServer()
    await new Promise<void>((resolve) => holder.listen({ port: 0, host: '127.0.0.1' }, resolve))
    const { port } = holder.address() as { port: number }
    const data = dataDir()
    try {
      const run = await runOrdersMainToExit({ PORT: String(port), PGLITE_DATA_DIR: data })
      expect(run.code).toBe(1)
      expect(run.stderr.trim()).toBe(
        `Port ${port} is already in use (another \`npm start\`?): stop that process or start on another port, e.g. PORT=${port + 1} npm start`,
      )
      // It gave up before opening the database: the running server's PGlite data is left alone.
      expect(readdirSync(data)).toEqual([])
    } finally {
      holder.close()
    }
  })

  it('BROADCAST_HISTORY=off serves without history (welcome says none), on with it; another value is refused in one line', async () => {
    const welcomeOf = async (url: string) => {
      const socket = new WebSocket(`${url.replace('http', 'ws')}/ws/broadcast`)
      const [data] = (await once(socket, 'message')) as [Buffer]
      socket.close()
      return (JSON.parse(data.toString()) as { welcome: { history?: boolean } }).welcome
    }
    const data = dataDir()
    for (const [value, history] of [
      ['off', undefined],
      ['on', true],
    ] as const) {
      const main = await startOrdersMain({ BROADCAST_HISTORY: value, PGLITE_DATA_DIR: data })
      try {
        expect((await welcomeOf(main.url)).history).toBe(history)
      } finally {
        await main.stop()
      }
    }
    const run = await runOrdersMainToExit({ BROADCAST_HISTORY: 'no', PGLITE_DATA_DIR: dataDir() })
    expect(run.code).toBe(1)
    expect(run.stderr.trim()).toBe('BROADCAST_HISTORY must be on or off, got "no"')
  }, 180_000)
})
