import { once } from 'node:events'
import { createServer, get } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import { broadcastPlugin } from '@pattern-stack/backend-patterns/broadcast/fastify'
import { CloseCode, PROTOCOL_VERSION, parseRestartReason } from '@pattern-stack/sync-protocol'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { eventually, rawUpgrade, startServer, TestClient, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('connections', () => {
  it('sends welcome first, with a unique connection id, the protocol version and the heartbeat', async () => {
    server = await startServer({ heartbeatMs: 12_345 })
    const a = await TestClient.connect(server.url)
    const b = await TestClient.connect(server.url)
    expect(a.frames[0]).toEqual({
      welcome: {
        connection_id: a.id,
        origin_token: expect.stringMatching(new RegExp(`^${a.id}\\.[A-Za-z0-9_-]{43}$`)),
        protocol: PROTOCOL_VERSION,
        heartbeat_ms: 12_345,
        presence: true,
      },
    })
    expect(a.id).toMatch(/^c_[A-Za-z0-9_-]{16}$/)
    expect(b.id).not.toBe(a.id)
  })

  it('counts open connections and forgets closed ones with their subscriptions', async () => {
    server = await startServer()
    expect(server.backend.getTotalConnections()).toBe(0)
    const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect((server as TestServer).url)))
    expect(server.backend.getTotalConnections()).toBe(3)
    await (clients[0] as TestClient).subscribe('order', 'contact')
    await (clients[1] as TestClient).subscribe('order')
    expect(server.backend.getSubscriberCount('order')).toBe(2)

    await (clients[0] as TestClient).close()
    await eventually(() => server?.backend.getTotalConnections() === 2, 'close to be noticed')
    expect(server.backend.getSubscriberCount('order')).toBe(1)
    expect(server.backend.getSubscriberCount('contact')).toBe(0)
    expect(server.backend.getAllChannels()).toEqual(['order'])

    // An abrupt disconnect (no closing handshake) is noticed as well.
    ;(clients[1] as TestClient).ws.terminate()
    await eventually(() => server?.backend.getTotalConnections() === 1, 'terminate to be noticed')
    expect(server.backend.getAllChannels()).toEqual([])
  })

  it('leaves plain HTTP requests and upgrades on other paths to the server', async () => {
    server = await startServer()
    const other = new WebSocketServer({ noServer: true })
    server.server.on('upgrade', (request, socket, head) => {
      if (request.url === '/other') other.handleUpgrade(request, socket, head, (ws) => ws.send('other'))
    })
    const otherClient = new WebSocket(`ws://127.0.0.1:${server.port}/other`)
    const [message] = await once(otherClient, 'message')
    expect(message.toString()).toBe('other')
    otherClient.close()
    other.close()
    expect(server.backend.getTotalConnections()).toBe(0)

    const body = await new Promise<string>((resolve, reject) => {
      get(`http://127.0.0.1:${server?.port}/ws/broadcast`, (response) => {
        let text = ''
        response.on('data', (chunk) => {
          text += chunk
        })
        response.on('end', () => resolve(text))
      }).on('error', reject)
    })
    expect(body).toBe('plain http\n')
  })

  it('accepts a query string on the endpoint path', async () => {
    server = await startServer()
    const client = await TestClient.connect(`${server.url}?token=abc`)
    expect(client.id).toBeTypeOf('string')
  })

  it('close() closes every socket with 4012 RESTARTING naming the reconnect window, and refuses later upgrades and broadcasts', async () => {
    server = await startServer()
    const clients = await Promise.all([1, 2].map(() => TestClient.connect((server as TestServer).url)))
    expect(server.server.listenerCount('upgrade')).toBe(1)
    await server.backend.close()
    expect(server.server.listenerCount('upgrade')).toBe(0) // detached from the HTTP server
    for (const client of clients) {
      const closed = await client.closed
      expect(closed.code).toBe(CloseCode.RESTARTING)
      // Two connections: the floor of the window (1000 ms, one ms per connection above it).
      expect(parseRestartReason(closed.reason)).toBe(1000)
      expect(closed.reason).toBe('{"reconnect_window_ms":1000}')
    }
    expect(server.backend.getTotalConnections()).toBe(0)
    await expect(server.backend.broadcast('order', 'created', {})).rejects.toThrow(/after close/)
    await server.backend.close() // idempotent
  })

  it('close() names the configured restartWindowMs; close({ restarting: false }) is 1001 GOING_AWAY', async () => {
    server = await startServer({ restartWindowMs: 2500 })
    const restarted = await TestClient.connect(server.url)
    await server.backend.close()
    expect(await restarted.closed).toEqual({
      code: CloseCode.RESTARTING,
      reason: '{"reconnect_window_ms":2500}',
    })
    await server.close()

    server = await startServer({ restartWindowMs: 2500 })
    const gone = await TestClient.connect(server.url)
    await server.backend.close({ restarting: false })
    expect(await gone.closed).toEqual({ code: CloseCode.GOING_AWAY, reason: 'server shutting down' })
  })

  it('refuses a restartWindowMs that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new WebSocketBroadcastBackend({ restartWindowMs: bad })).toThrow(
        /restartWindowMs must be a positive integer/,
      )
    }
  })

  // ws alone would wait 30 s for the answer; closeTimeoutMs bounds it (the 10 s test timeout catches a hang).
  it('close() terminates a socket that never answers the closing handshake', {
    timeout: 10_000,
  }, async () => {
    server = await startServer({ closeTimeoutMs: 50 })
    const frozen = await rawUpgrade(server.port)
    const socketClosed = once(frozen, 'close')
    await eventually(() => server?.backend.getTotalConnections() === 1, 'the raw connection to open')
    await server.backend.close()
    expect(server.backend.getTotalConnections()).toBe(0)
    frozen.resume() // read what the server sent, then see the server end the TCP connection
    await socketClosed
  })

  it('refuses an unsupported attach path and a second attach to the same server', () => {
    const backend = new WebSocketBroadcastBackend()
    const http = createServer()
    expect(() => backend.attach(http, { path: 'ws' })).toThrow(/path must start with "\/"/)
    backend.attach(http)
    expect(() => backend.attach(http)).toThrow(/already attached/)
    return backend.close()
  })

  it('serves on any path given to attach', async () => {
    const backend = new WebSocketBroadcastBackend()
    const http = createServer()
    backend.attach(http, { path: '/live' })
    http.listen(0, '127.0.0.1')
    await once(http, 'listening')
    const { port } = http.address() as AddressInfo
    const client = await TestClient.connect(`ws://127.0.0.1:${port}/live`)
    await client.subscribe('order')
    await backend.broadcast('order', 'created', { entity_id: '1' })
    expect(await client.next((f) => 'event' in f)).toEqual({
      channel: 'order',
      event: 'created',
      payload: { entity_id: '1' },
    })
    await backend.close()
    http.close()
  })
})

describe('options', () => {
  it('refuses bad options with a TypeError naming the option', () => {
    expect(() => new WebSocketBroadcastBackend({ heartbeatMs: 0 })).toThrow(
      /heartbeatMs must be a positive integer/,
    )
    expect(() => new WebSocketBroadcastBackend({ limits: { maxFrameBytes: -1 } })).toThrow(
      /limits.maxFrameBytes must be a positive integer/,
    )
    expect(
      () =>
        new WebSocketBroadcastBackend({ limits: { maxFrames: 3 } as unknown as { maxFrameBytes: number } }),
    ).toThrow(/unknown limit "maxFrames"/)
    expect(() => new WebSocketBroadcastBackend({ allowedOrigins: 'x' as unknown as string[] })).toThrow(
      /allowedOrigins must be an array/,
    )
    expect(() => new WebSocketBroadcastBackend({ authorize: true as unknown as () => boolean })).toThrow(
      /authorize must be a function/,
    )
    expect(() => new WebSocketBroadcastBackend({ connectionHeaders: ['user-agent', ''] })).toThrow(
      /connectionHeaders must be an array of header names/,
    )
  })
})

describe('Fastify plugin', () => {
  it('serves the endpoint on fastify.server, next to the routes, and closes with Fastify', async () => {
    const backend = new WebSocketBroadcastBackend()
    const app = Fastify()
    await app.register(broadcastPlugin, { backend, path: '/ws/broadcast' })
    app.get('/health', async () => ({ ok: true }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo

    const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws/broadcast`)
    await client.subscribe('order')
    await backend.broadcast('order', 'created', { entity_id: '7' })
    expect((await client.next((f) => 'event' in f)).payload).toEqual({ entity_id: '7' })
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ ok: true })

    await app.close() // would hang if the upgraded socket kept the HTTP server open
    expect((await client.closed).code).toBe(CloseCode.RESTARTING)
    expect(backend.getTotalConnections()).toBe(0)
  })

  it('needs a backend', async () => {
    const app = Fastify()
    await expect(
      app.register(broadcastPlugin, {} as unknown as Parameters<typeof broadcastPlugin>[1]).ready(),
    ).rejects.toThrow(/needs \{ backend/)
    await app.close()
  })
})
