import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CloseCode, parseRestartReason } from '@pattern-stack/sync-protocol'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { freePort } from '../../../packages/backend-patterns/test/scale/free-port.js'
import { api } from './harness.js'
import { type OrdersMainProcess, startOrdersMain } from './support/start-main.js'
import { eventually, Tablet } from './support/tablet.js'

/**
 * Issue 16 item 5: `npm start`'s server stopped with SIGTERM (a deploy) closes its broadcast
 * connections with 4012 RESTARTING and a reconnect window; the runtime's clients then come back on
 * that window's beat without backing off or giving up, and recover from the broadcast log (nothing
 * changed: no GET). The tablets run the product's reconnect defaults except that they give up after
 * one failed attempt and never retry after that: on the ordinary path they would stay disconnected
 * while the new process starts, so only the restart path brings them back. A spec-only client (a
 * plain `ws` socket) just sees a close and reconnects as after any other.
 */
/** A spec-only client: a plain WebSocket subscribed to `order`; resolves once the subscription is acknowledged. */
async function specOnlyClient(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url)
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>
      if ('welcome' in frame) socket.send(JSON.stringify({ subscribe: ['order'] }))
      if ('subscribed' in frame) resolve()
    })
    socket.once('error', reject)
  })
  return socket
}

describe('a graceful restart of npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'orders-graceful-'))
  const processes: OrdersMainProcess[] = []
  const tablets: Tablet[] = []

  afterAll(async () => {
    for (const tablet of tablets) tablet.close()
    await Promise.all(processes.map((p) => p.stop()))
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('tells clients to come back within a window; they do, on its beat, without giving up, and refetch nothing', async () => {
    const port = await freePort()
    const env = { PGLITE_DATA_DIR: dataDir, PORT: String(port) }
    const before = await startOrdersMain(env, 60_000)
    processes.push(before)
    const ids = Array.from({ length: 6 }, () => randomUUID())
    for (const id of ids)
      expect((await api(before.url, 'POST', '/orders', { body: { id } })).status).toBe(201)

    /** Per tablet, the closes it logged (the refused attempts after the first are 1006). */
    const closes: string[][] = [[], [], []]
    for (let t = 0; t < 3; t++) {
      const tablet = new Tablet(before.url, {
        client: {
          reconnectDelay: 1000,
          maxReconnectDelay: 30_000,
          maxReconnectAttempts: 1,
          retryAfterGiveUpMs: Number.POSITIVE_INFINITY,
          logger: {
            debug: (message: string) => {
              if (message.startsWith('connection closed')) closes[t]?.push(message)
            },
          },
        },
      })
      tablet.watchList()
      tablet.watchOrder(ids[2 * t] as string)
      tablet.watchOrder(ids[2 * t + 1] as string)
      tablets.push(tablet)
    }
    await eventually(
      () => tablets.every((t) => t.client.state === 'connected' && t.idle && t.client.positions.order === 6),
      () => 'the tablets never showed their orders at position 6',
    )
    const states: string[][] = tablets.map((tablet) => {
      const seen: string[] = []
      tablet.client.onStateChange((state) => seen.push(state))
      return seen
    })
    const firstIds = tablets.map((t) => t.client.connectionId)
    for (const tablet of tablets) tablet.gets.length = 0
    const specOnly = await specOnlyClient(`ws://127.0.0.1:${port}/ws/broadcast`)
    const specOnlyClosed = once(specOnly, 'close')

    await before.stop() // SIGTERM: app.close() closes the broadcast connections first
    const [code, reason] = (await specOnlyClosed) as [number, Buffer]
    expect(code).toBe(CloseCode.RESTARTING)
    // Four connections: the window's floor, 1000 ms.
    expect(parseRestartReason(reason.toString())).toBe(1000)
    expect(closes.map((logged) => logged[0])).toEqual(
      tablets.map(() => 'connection closed (4012: {"reconnect_window_ms":1000})'),
    )

    const after = await startOrdersMain(env, 60_000)
    processes.push(after)
    await eventually(
      () =>
        tablets.every(
          (t, i) =>
            t.client.state === 'connected' &&
            t.client.connectionId !== firstIds[i] &&
            !t.client.catchingUp &&
            t.idle,
        ),
      () => `the tablets did not come back: ${tablets.map((t) => t.client.state).join(', ')}`,
    )
    // Only ever reconnecting until connected: the refused attempts while the new process started
    // (several, a second apart) did not count towards maxReconnectAttempts: 1.
    for (const seen of states) expect(seen).toEqual(['reconnecting', 'connected'])
    expect(tablets.map((t) => t.gets)).toEqual([[], [], []])
    expect(tablets.map((t) => t.client.positions.order)).toEqual([6, 6, 6])

    // The spec-only client reconnects to the new process as after any close.
    const again = await specOnlyClient(`ws://127.0.0.1:${port}/ws/broadcast`)
    again.close()

    // And the reconnected tablets are live: a change reaches them.
    const patched = await api(after.url, 'PATCH', `/orders/${ids[0]}`, {
      body: { version: 1, notes: 'after' },
    })
    expect(patched.status).toBe(200)
    const first = tablets[0] as Tablet
    await eventually(
      () => first.version(ids[0] as string) === 2,
      () => 'the change after the restart did not reach the tablet',
    )
  }, 180_000)
})
