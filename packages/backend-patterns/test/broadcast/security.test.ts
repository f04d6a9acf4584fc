import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { BroadcastConnectionInfo } from '@pattern-stack/backend-patterns/broadcast'
import { CloseCode, ErrorCode } from '@pattern-stack/sync-protocol'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { eventually, startServer, TestClient, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** Attempts an upgrade and returns the HTTP status of a refusal (or 101). */
async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const ws = new WebSocket(url, { headers })
  const result = await Promise.race([
    once(ws, 'unexpected-response').then(([, response]) => (response as IncomingMessage).statusCode ?? 0),
    once(ws, 'open').then(() => 101),
  ])
  ws.terminate()
  return result
}

describe('authenticate', () => {
  it('answers HTTP 401 and never upgrades when the hook refuses', async () => {
    const seen: string[] = []
    server = await startServer({
      authenticate: (request) => {
        seen.push(request.headers.authorization ?? '(none)')
        return request.headers.authorization === 'Bearer good'
      },
    })
    expect(await upgradeStatus(server.url)).toBe(401)
    expect(await upgradeStatus(server.url, { Authorization: 'Bearer bad' })).toBe(401)
    expect(server.backend.getTotalConnections()).toBe(0)
    expect(await upgradeStatus(server.url, { Authorization: 'Bearer good' })).toBe(101)
    expect(seen).toEqual(['(none)', 'Bearer bad', 'Bearer good'])
  })

  it('supports async hooks; an object becomes the connection user that authorize sees', async () => {
    const authorizeCalls: { user: unknown; channel: string; id: string }[] = []
    server = await startServer({
      authenticate: async (request) => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        const token = new URL(request.url ?? '', 'http://x').searchParams.get('token')
        return token ? { name: token } : null
      },
      authorize: (connection: BroadcastConnectionInfo, channel) => {
        authorizeCalls.push({ user: connection.user, channel, id: connection.id })
        return true
      },
    })
    expect(await upgradeStatus(server.url)).toBe(401)
    const client = await TestClient.connect(`${server.url}?token=ada`)
    await client.subscribe('order')
    expect(authorizeCalls).toEqual([{ user: { name: 'ada' }, channel: 'order', id: client.id }])
  })

  it('answers HTTP 500 when the hook throws, and keeps serving', async () => {
    let fail = true
    server = await startServer({
      authenticate: () => {
        if (fail) throw new Error('auth backend down')
        return true
      },
    })
    expect(await upgradeStatus(server.url)).toBe(500)
    fail = false
    expect(await upgradeStatus(server.url)).toBe(101)
  })
})

describe('authorize', () => {
  it('sees the upgrade headers named in connectionHeaders (any case), and none by default', async () => {
    const seen: BroadcastConnectionInfo['headers'][] = []
    const authorize = (connection: BroadcastConnectionInfo) => {
      seen.push(connection.headers)
      return true
    }
    const headers = { 'User-Agent': 'tablet/1', 'X-Tenant': 'north', Cookie: 'session=secret' }
    server = await startServer({ authorize, connectionHeaders: ['user-agent', 'X-Tenant', 'x-absent'] })
    const kept = await TestClient.connect(server.url, { headers })
    await kept.subscribe('order')
    await server.close()
    server = await startServer({ authorize })
    const none = await TestClient.connect(server.url, { headers })
    await none.subscribe('order')
    expect(seen).toEqual([{ 'user-agent': 'tablet/1', 'x-tenant': 'north' }, {}])
  })

  it('refuses channels with a forbidden error naming each; no events from them; the rest subscribed', async () => {
    server = await startServer({
      authorize: async (_connection, channel) => !channel.startsWith('admin'),
    })
    const client = await TestClient.connect(server.url)
    const ack = await client.subscribe('order', 'admin', 'admin:audit')
    expect(ack).toEqual({ subscribed: ['order'] })
    expect(client.frames.filter((f) => 'error' in f)).toEqual([
      {
        error: {
          code: ErrorCode.FORBIDDEN,
          message: 'not allowed to subscribe to "admin"',
          channel: 'admin',
        },
      },
      {
        error: {
          code: ErrorCode.FORBIDDEN,
          message: 'not allowed to subscribe to "admin:audit"',
          channel: 'admin:audit',
        },
      },
    ])
    expect(server.backend.getAllChannels()).toEqual(['order'])
    await server.backend.broadcast('admin', 'created', {})
    await server.backend.broadcast('order', 'created', {})
    await client.next((f) => 'event' in f)
    await client.roundTrip()
    expect(client.events.map((f) => f.channel)).toEqual(['order'])
  })

  it('treats a throwing hook as a refusal', async () => {
    server = await startServer({
      authorize: () => {
        throw new Error('db down')
      },
    })
    const client = await TestClient.connect(server.url)
    expect(await client.subscribe('order')).toEqual({ subscribed: [] })
    expect(client.frames.find((f) => 'error' in f)?.error.code).toBe(ErrorCode.FORBIDDEN)
    expect(server.backend.getAllChannels()).toEqual([])
  })

  it('does not subscribe a connection that closed while authorize was running', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let called: () => void = () => {}
    const authorizing = new Promise<void>((resolve) => {
      called = resolve
    })
    server = await startServer({
      authorize: () => {
        called()
        return gate.then(() => true)
      },
    })
    const client = await TestClient.connect(server.url)
    client.send({ subscribe: ['order'] })
    await authorizing
    await client.close()
    await eventually(() => server?.backend.getTotalConnections() === 0, 'close noticed')
    release()
    await new Promise((resolve) => setImmediate(resolve))
    expect(server.backend.getAllChannels()).toEqual([])
  })
})

describe('allowed origins', () => {
  it('answers HTTP 403 for an Origin not in the list (or none), before authenticate runs', async () => {
    let authenticated = 0
    server = await startServer({
      allowedOrigins: ['https://app.example.com'],
      authenticate: () => {
        authenticated++
        return true
      },
    })
    expect(await upgradeStatus(server.url, { Origin: 'https://evil.example.com' })).toBe(403)
    expect(await upgradeStatus(server.url)).toBe(403)
    expect(authenticated).toBe(0)
    expect(await upgradeStatus(server.url, { Origin: 'https://app.example.com' })).toBe(101)
    expect(authenticated).toBe(1)
  })
})

describe('inbound limits', () => {
  it('closes with 1009 on a frame over maxFrameBytes; other connections are unaffected', async () => {
    server = await startServer({ limits: { maxFrameBytes: 1024 } })
    const bystander = await TestClient.connect(server.url)
    await bystander.subscribe('order')
    const client = await TestClient.connect(server.url)
    // Exactly at the limit is accepted (and refused by the decoder as not JSON).
    client.sendRaw('x'.repeat(1024))
    expect((await client.next((f) => 'error' in f)).error.code).toBe(ErrorCode.INVALID_JSON)
    client.sendRaw(JSON.stringify({ subscribe: ['a'.repeat(2000)] }))
    expect((await client.closed).code).toBe(CloseCode.FRAME_TOO_LARGE)
    await server.backend.broadcast('order', 'created', {})
    expect((await bystander.next((f) => 'event' in f)).event).toBe('created')
  })

  it('closes with 4008 RATE_LIMITED beyond maxMessagesPerSecond; other connections are unaffected', async () => {
    server = await startServer({ limits: { maxMessagesPerSecond: 20 } })
    const bystander = await TestClient.connect(server.url)
    const flooder = await TestClient.connect(server.url)
    for (let i = 0; i < 200; i++) flooder.send({ ping: i })
    const { code, reason } = await flooder.closed
    expect(code).toBe(CloseCode.RATE_LIMITED)
    expect(reason).toMatch(/too many frames per second/)
    // Only the burst allowance was answered.
    const pongs = flooder.frames.filter((f) => 'pong' in f).length
    expect(pongs).toBeGreaterThanOrEqual(20)
    expect(pongs).toBeLessThan(200)
    await bystander.roundTrip()
  })

  it('lets a client that stays under the rate keep going', async () => {
    server = await startServer({ limits: { maxMessagesPerSecond: 1000 } })
    const client = await TestClient.connect(server.url)
    for (let i = 0; i < 20; i++) await client.roundTrip()
    expect(client.ws.readyState).toBe(WebSocket.OPEN)
  })
})
