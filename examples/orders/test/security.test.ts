import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { get, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type Access, broadcastAuthenticate } from '../server/access.js'
import { lanAddresses } from '../server/lan-addresses.js'
import { api, startServer, type TestServer } from './harness.js'
import { startOrdersMain } from './support/start-main.js'

/**
 * Issue 17 item 3: the example is safe by default. Access needs a token (as a Bearer header, the
 * cookie /login sets, or ?token= on the WebSocket) except for this machine's own requests to a
 * loopback host name; the broadcast accepts only the app's own origin; HTTP is rate limited.
 */

const TOKEN = 'test-access-token-0123456789'

/** GET with a chosen Host header (fetch does not let one set it), returning the status. */
function statusWithHost(baseUrl: string, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = get(`${baseUrl}${path}`, { headers: { host } }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on('error', reject)
  })
}

async function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  const ws = new WebSocket(url, { headers })
  ws.on('error', () => {})
  const status = await Promise.race([
    once(ws, 'unexpected-response').then(([, response]) => (response as IncomingMessage).statusCode ?? 0),
    once(ws, 'open').then(() => 101),
  ])
  ws.terminate()
  return status
}

describe('with an access token and no trust for loopback (a tablet on the network)', () => {
  const access: Access = { token: TOKEN, trustLoopback: false }
  let server: TestServer

  beforeAll(async () => {
    server = await startServer('pglite', {
      access,
      backendOptions: { authenticate: broadcastAuthenticate(access) },
    })
  })
  afterAll(() => server?.close())

  it('the API answers 401 problem+json without the token, and serves it with Bearer or the login cookie', async () => {
    const refused = await api(server.baseUrl, 'GET', '/orders')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(refused.headers.get('www-authenticate')).toBe('Bearer')
    expect((await api(server.baseUrl, 'POST', '/orders', { body: {} })).status).toBe(401)
    expect(
      (await api(server.baseUrl, 'GET', '/orders', { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401)
    expect(
      (await api(server.baseUrl, 'GET', '/orders', { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200)

    const login = await fetch(`${server.baseUrl}/login?token=${TOKEN}`, { redirect: 'manual' })
    expect(login.status).toBe(303)
    expect(login.headers.get('location')).toBe('/')
    const cookie = login.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^orders_token=.+; HttpOnly; SameSite=Strict; Path=\//)
    const withCookie = await api(server.baseUrl, 'GET', '/orders', {
      headers: { cookie: cookie.split(';')[0] ?? '' },
    })
    expect(withCookie.status).toBe(200)
    expect((await fetch(`${server.baseUrl}/login?token=wrong`, { redirect: 'manual' })).status).toBe(401)
    // The document stays readable: it holds no data.
    expect((await api(server.baseUrl, 'GET', '/openapi.json')).status).toBe(200)
  })

  it('the WebSocket needs the token too, and a page of another origin is refused', async () => {
    const host = new URL(server.baseUrl).host
    expect(await upgrade(server.wsUrl)).toBe(401)
    expect(await upgrade(`${server.wsUrl}?token=${TOKEN}`)).toBe(101)
    expect(await upgrade(server.wsUrl, { cookie: `orders_token=${TOKEN}` })).toBe(101)
    expect(await upgrade(server.wsUrl, { cookie: `orders_token=${TOKEN}`, origin: `http://${host}` })).toBe(
      101,
    )
    expect(
      await upgrade(server.wsUrl, { cookie: `orders_token=${TOKEN}`, origin: 'https://evil.example' }),
    ).toBe(401)
  })
})

describe('trusting this machine (npm start on the network)', () => {
  const access: Access = { token: TOKEN, trustLoopback: true }
  let server: TestServer

  beforeAll(async () => {
    server = await startServer('pglite', {
      access,
      backendOptions: { authenticate: broadcastAuthenticate(access) },
    })
  })
  afterAll(() => server?.close())

  it('a loopback request to a loopback host name needs no token; a DNS-rebinding Host does', async () => {
    expect((await api(server.baseUrl, 'GET', '/orders')).status).toBe(200)
    const port = new URL(server.baseUrl).port
    expect(await statusWithHost(server.baseUrl, '/orders', `localhost:${port}`)).toBe(200)
    expect(await statusWithHost(server.baseUrl, '/orders', `evil.example:${port}`)).toBe(401)
    // Any page this browser opens cannot watch order activity: its Origin is not the app's.
    expect(await upgrade(server.wsUrl)).toBe(101)
    expect(await upgrade(server.wsUrl, { origin: 'https://evil.example' })).toBe(401)
  })
})

describe('HTTP rate limit', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer('pglite', { rateLimit: { max: 5, timeWindowMs: 60_000 } })
  })
  afterAll(() => server?.close())

  it('answers 429 problem+json with Retry-After past the limit, and changes nothing', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await api(server.baseUrl, 'GET', '/menu')).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200])
    const before = await server.systemEventCount()
    const limited = await api(server.baseUrl, 'POST', '/orders', { body: {} })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(limited.body).toMatchObject({ status: 429, type: '/problems/rate-limited' })
    expect(await server.systemEventCount()).toBe(before)
  })

  it('exemptLoopback (what npm start sets) does not count this machine’s own requests', async () => {
    const local = await startServer('pglite', {
      rateLimit: { max: 2, timeWindowMs: 60_000, exemptLoopback: true },
    })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 6; i++) statuses.push((await api(local.baseUrl, 'GET', '/menu')).status)
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
      const port = new URL(local.baseUrl).port
      // A request naming another host (as one from the network does) is counted.
      const counted: number[] = []
      for (let i = 0; i < 3; i++)
        counted.push(await statusWithHost(local.baseUrl, '/menu', `tablet.lan:${port}`))
      expect(counted).toEqual([200, 200, 429])
    } finally {
      await local.close()
    }
  })
})

const lan = lanAddresses()[0] ?? ''

describe.runIf(lan !== '')('npm start on the network (HOST=0.0.0.0), as a tablet reaches it', () => {
  it('prints a login link with a token; without it the API is 401 from the network, with it 200', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'orders-security-'))
    const main = await startOrdersMain({ HOST: '0.0.0.0', PGLITE_DATA_DIR: dataDir })
    try {
      const port = new URL(main.url).port
      await expect.poll(() => main.output()).toMatch(/On your network: http:\/\/\S+\/login\?token=/)
      const link = new RegExp(`http://${lan.replace(/\./g, '\\.')}:${port}/login\\?token=(\\S+)`).exec(
        main.output(),
      )
      expect(link).not.toBeNull()
      const base = `http://${lan}:${port}`
      expect((await fetch(`${base}/orders`)).status).toBe(401)
      const login = await fetch(`${base}/login?token=${link?.[1]}`, { redirect: 'manual' })
      expect(login.status).toBe(303)
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
      expect((await fetch(`${base}/orders`, { headers: { cookie } })).status).toBe(200)
      // This machine, by its loopback name, needs no token (the demo is still npm ci && npm start).
      expect((await fetch(`http://127.0.0.1:${port}/orders`)).status).toBe(200)
    } finally {
      await main.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
