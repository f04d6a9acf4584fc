import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { CloseCode, ErrorCode } from '@pattern-stack/sync-protocol'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { eventually, startServer, TestClient, type TestServer } from './helpers.js'

// Issue 17 item 2: revoke connections by predicate (4001), re-authorize their channels, connection
// caps (total and per address) and the timeout for connections that never subscribe.

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Attempts an upgrade and returns the HTTP status of a refusal (or 101, leaving the socket open). */
async function upgrade(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers })
  ws.on('error', () => {})
  const status = await Promise.race([
    once(ws, 'unexpected-response').then(([, response]) => (response as IncomingMessage).statusCode ?? 0),
    once(ws, 'open').then(() => 101),
  ])
  return { status, ws }
}

/** `?user=<name>` becomes `connection.user = { id: name }`. */
const byQuery = (request: IncomingMessage) => ({
  id: new URL(request.url ?? '', 'http://x').searchParams.get('user') ?? 'anonymous',
})

describe('revoke', () => {
  it('closes exactly the connections the predicate selects with 4001; they get no further broadcast', async () => {
    server = await startServer({ authenticate: byQuery })
    const ada1 = await TestClient.connect(`${server.url}?user=ada`)
    const ada2 = await TestClient.connect(`${server.url}?user=ada`)
    const bob = await TestClient.connect(`${server.url}?user=bob`)
    for (const c of [ada1, ada2, bob]) await c.subscribe('order')
    const closed = server.backend.revoke((c) => (c.user as { id: string }).id === 'ada', 'logged out')
    expect(closed).toBe(2)
    expect(await ada1.closed).toEqual({ code: CloseCode.UNAUTHORIZED, reason: 'logged out' })
    expect(await ada2.closed).toMatchObject({ code: 4001 })
    expect(server.backend.getSubscriberCount('order')).toBe(1)
    await server.backend.broadcast('order', 'updated', { entity_id: '1' })
    await bob.next((f) => f.event === 'updated')
    expect(ada1.events).toEqual([])
    expect(server.backend.getTotalConnections()).toBe(1)
  })

  it('refuses a predicate that is not a function and an over-long reason', async () => {
    server = await startServer()
    expect(() => server?.backend.revoke('ada' as never)).toThrow(/needs a function/)
    expect(() => server?.backend.revoke(() => true, 'x'.repeat(200))).toThrow(/123 bytes/)
  })
})

describe('reauthorize', () => {
  it('drops the channels authorize now refuses: forbidden, unsubscribed, no further broadcast', async () => {
    const allowed = new Set(['ada:order', 'ada:contact', 'bob:order'])
    server = await startServer({
      authenticate: byQuery,
      authorize: (c, channel) => allowed.has(`${(c.user as { id: string }).id}:${channel}`),
    })
    const ada = await TestClient.connect(`${server.url}?user=ada`)
    const bob = await TestClient.connect(`${server.url}?user=bob`)
    await ada.subscribe('order', 'contact')
    await bob.subscribe('order')
    allowed.delete('ada:order') // ada's role changed
    expect(await server.backend.reauthorize()).toBe(1)
    expect(await ada.next((f) => 'unsubscribed' in f)).toEqual({ unsubscribed: ['order'] })
    expect(ada.frames).toContainEqual({
      error: {
        code: ErrorCode.FORBIDDEN,
        message: expect.stringContaining('no longer allowed'),
        channel: 'order',
      },
    })
    expect(server.backend.getSubscriberCount('order')).toBe(1)
    expect(server.backend.getSubscriberCount('contact')).toBe(1)
    await server.backend.broadcast('order', 'updated', { entity_id: '1' })
    await server.backend.broadcast('contact', 'updated', { entity_id: '2' })
    await ada.next((f) => f.channel === 'contact')
    await bob.next((f) => f.channel === 'order')
    expect(ada.events.map((f) => f.channel)).toEqual(['contact'])
    // A predicate limits who is checked; without changes nothing is removed.
    expect(await server.backend.reauthorize((c) => (c.user as { id: string }).id === 'bob')).toBe(0)
  })
})

describe('connection caps', () => {
  it('maxConnections: one more upgrade gets HTTP 503; a slot freed by a close is taken again', async () => {
    server = await startServer({ maxConnections: 2 })
    const a = await TestClient.connect(server.url)
    await TestClient.connect(server.url)
    const third = await upgrade(server.url)
    expect(third.status).toBe(503)
    expect(server.backend.getTotalConnections()).toBe(2)
    await a.close()
    await eventually(() => server?.backend.getTotalConnections() === 1, 'the close to be noticed')
    const again = await upgrade(server.url)
    expect(again.status).toBe(101)
    again.ws.close()
  })

  it('maxConnectionsPerAddress: HTTP 429 from that address only, before authenticate runs', async () => {
    let authenticated = 0
    server = await startServer({
      maxConnectionsPerAddress: 2,
      addressOf: (request) => String(request.headers['x-test-address']),
      authenticate: () => {
        authenticated++
        return true
      },
    })
    const a = { 'x-test-address': 'a' }
    expect((await upgrade(server.url, a)).status).toBe(101)
    expect((await upgrade(server.url, a)).status).toBe(101)
    expect((await upgrade(server.url, a)).status).toBe(429)
    expect(authenticated).toBe(2)
    expect((await upgrade(server.url, { 'x-test-address': 'b' })).status).toBe(101)
  })

  it('refused upgrades (401) give their slot back', async () => {
    server = await startServer({ maxConnectionsPerAddress: 1, authenticate: () => false })
    for (let i = 0; i < 5; i++) expect((await upgrade(server.url)).status).toBe(401)
  })
})

describe('subscribeTimeoutMs', () => {
  it('closes a connection that never subscribes with 4002; one that subscribed stays open', async () => {
    server = await startServer({ subscribeTimeoutMs: 300 })
    const busy = await TestClient.connect(server.url)
    await busy.subscribe('order')
    await busy.unsubscribe('order')
    // Opened after busy: once its timeout has fired, busy's would have too.
    const idle = await TestClient.connect(server.url)
    expect(await idle.closed).toEqual({
      code: CloseCode.SUBSCRIBE_TIMEOUT,
      reason: 'subscribed to no channel in time',
    })
    expect(busy.ws.readyState).toBe(WebSocket.OPEN)
    busy.send({ ping: 1 })
    await busy.next((f) => f.pong === 1)
  })

  it('refuses a bad value, naming the option', async () => {
    await expect(startServer({ subscribeTimeoutMs: -1 })).rejects.toThrow(/subscribeTimeoutMs/)
  })
})
