import { once } from 'node:events'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { BroadcastClient, type BroadcastClientOptions } from '../../src/runtime/core/broadcast-client.js'
import type { BroadcastEvent } from '../../src/runtime/core/types.js'
import { recordingLogger } from './fake-websocket.js'
import { type RealServer, startRealServer } from './real-server.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function client(url: string, options: BroadcastClientOptions = {}) {
  const log = recordingLogger()
  const c = new BroadcastClient(url, { WebSocket, signals: false, logger: log.logger, ...options })
  cleanups.push(() => c.disconnect())
  return { client: c, log }
}

async function server(port?: number): Promise<RealServer> {
  const s = await startRealServer(port)
  cleanups.push(() => s.close())
  return s
}

describe('BroadcastClient against the real server', () => {
  it('receives events, learns its connection id, subscribes once per channel and unsubscribes with the last handler', async () => {
    const s = await server()
    const { client: c } = client(s.url)
    const a: BroadcastEvent[] = []
    const b: BroadcastEvent[] = []
    const offA = c.subscribe('order', (e) => a.push(e))
    const offB = c.subscribe('order', (e) => b.push(e))
    c.connect()
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    expect(c.connectionId).toEqual(expect.any(String))
    await s.backend.broadcast('order', 'created', { entity_id: '1' }, { origin: 'someone' })
    await vi.waitFor(() => expect(a).toHaveLength(1))
    expect(a[0]).toEqual({
      kind: 'event',
      channel: 'order',
      event: 'created',
      payload: { entity_id: '1' },
      origin: 'someone',
    })
    expect(b).toEqual(a)
    offA()
    await new Promise((r) => setTimeout(r, 20))
    expect(s.backend.getSubscriberCount('order')).toBe(1)
    offB()
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(0))
    expect(s.backend.getTotalConnections()).toBe(1)
  })

  it('server restarted mid-stream: reconnects, resubscribes, resyncs, and receives again', async () => {
    const first = await startRealServer()
    const port = first.port
    const { client: c } = client(first.url, { reconnectDelay: 50, maxReconnectDelay: 200 })
    const events: BroadcastEvent[] = []
    const states: string[] = []
    c.onStateChange((state) => states.push(state))
    c.subscribe('order', (e) => events.push(e))
    c.connect()
    await vi.waitFor(() => expect(first.backend.getSubscriberCount('order')).toBe(1))
    const firstId = c.connectionId
    for (let i = 0; i < 5; i++) await first.backend.broadcast('order', 'updated', { entity_id: String(i) })
    await vi.waitFor(() => expect(events).toHaveLength(5))
    await first.close()
    await vi.waitFor(() => expect(c.state).toBe('reconnecting'))

    const second = await server(port) // same address, fresh process state: no subscriptions
    await vi.waitFor(() => expect(second.backend.getSubscriberCount('order')).toBe(1), { timeout: 5000 })
    await vi.waitFor(() => expect(events.filter((e) => e.kind === 'resync')).toHaveLength(1))
    expect(events.at(-1)).toEqual({
      kind: 'resync',
      channel: 'order',
      event: 'resync',
      payload: {},
      reason: 'reconnect',
    })
    expect(c.connectionId).not.toBe(firstId)
    await second.backend.broadcast('order', 'updated', { entity_id: 'after' })
    await vi.waitFor(() =>
      expect(events.at(-1)).toMatchObject({ kind: 'event', payload: { entity_id: 'after' } }),
    )
    expect(states[0]).toBe('connecting')
    expect(states).toContain('reconnecting')
    expect(states.at(-1)).toBe('connected')
  })

  it("passes the server's resync frame to the channel's handlers", async () => {
    const s = await server()
    const { client: c } = client(s.url)
    const events: BroadcastEvent[] = []
    c.subscribe('order', (e) => events.push(e))
    c.connect()
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    s.backend.sendResync(['order'])
    await vi.waitFor(() =>
      expect(events).toEqual([
        { kind: 'resync', channel: 'order', event: 'resync', payload: {}, reason: 'server' },
      ]),
    )
  })

  it('after maxReconnectAttempts against a dead port: disconnected; connect() starts again when the server is back', async () => {
    const probe = await startRealServer()
    const port = probe.port
    await probe.close()
    const { client: c } = client(`ws://127.0.0.1:${port}/ws/broadcast`, {
      maxReconnectAttempts: 2,
      reconnectDelay: 10,
    })
    c.connect()
    await vi.waitFor(() => expect(c.state).toBe('disconnected'))
    const s = await server(port)
    c.subscribe('order', () => {})
    c.connect()
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    expect(c.state).toBe('connected')
  })
})

describe('BroadcastClient that cannot reach the endpoint', () => {
  it('after giving up, keeps retrying quietly and recovers by itself when the server is back on the port', async () => {
    const probe = await startRealServer()
    const port = probe.port
    await probe.close()
    const { client: c } = client(`ws://127.0.0.1:${port}/ws/broadcast`, {
      maxReconnectAttempts: 1,
      reconnectDelay: 10,
      retryAfterGiveUpMs: 100,
    })
    const states: string[] = []
    c.onStateChange((state) => states.push(state))
    c.subscribe('order', () => {})
    c.connect()
    await vi.waitFor(() => expect(c.state).toBe('disconnected'))
    const s = await server(port) // nobody calls connect() again
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1), { timeout: 5000 })
    expect(c.state).toBe('connected')
    expect(states).toEqual(['connecting', 'reconnecting', 'disconnected', 'connected'])
  })

  it('a server that accepts the TCP connection but never answers the upgrade: the attempt times out, with a warning naming the URL', async () => {
    const held: Socket[] = []
    let closedByClient = 0
    const silent = createNetServer((socket) => {
      held.push(socket)
      socket.on('close', () => closedByClient++)
      socket.resume() // reads the request, answers nothing
    })
    silent.listen(0, '127.0.0.1')
    await once(silent, 'listening')
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of held) socket.destroy()
          silent.close(() => resolve())
        }),
    )
    const url = `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/ws/broadcast`
    const { client: c, log } = client(url, {
      connectTimeoutMs: 200,
      maxReconnectAttempts: 0,
      retryAfterGiveUpMs: Number.POSITIVE_INFINITY,
    })
    c.connect()
    expect(c.state).toBe('connecting')
    await vi.waitFor(() => expect(c.state).toBe('disconnected'), { timeout: 5000 })
    expect(log.warn[0]).toBe(
      `no answer from ${url} within 200 ms; is the URL (path) right and the server up?`,
    )
    await vi.waitFor(() => expect(closedByClient).toBe(1)) // the client hung up; no socket left behind
    expect(held).toHaveLength(1)
  })

  it('a wrong path on the real backend fails at once (HTTP 404), not by the connect timeout', async () => {
    const s = await server()
    const { client: c, log } = client(s.url.replace('/ws/broadcast', '/ws/broadcasts'), {
      connectTimeoutMs: 600_000, // the test's own timeout would end first: only the 404 can end the attempt
      maxReconnectAttempts: 0,
      retryAfterGiveUpMs: Number.POSITIVE_INFINITY,
    })
    c.connect()
    await vi.waitFor(() => expect(c.state).toBe('disconnected'), { timeout: 5000 })
    expect(log.warn).toEqual([`gave up on ${c.url} after 0 reconnect attempts`])
    expect(s.backend.getTotalConnections()).toBe(0)
  })
})

describe('BroadcastClient against a hostile peer (a plain ws server)', () => {
  async function hostile(onConnection: (socket: WebSocket) => void) {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await once(wss, 'listening')
    let connections = 0
    wss.on('connection', (socket) => {
      connections += 1
      onConnection(socket)
    })
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of wss.clients) socket.terminate()
          wss.close(() => resolve())
        }),
    )
    return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, connections: () => connections }
  }

  it('survives garbage: non-JSON, binary, wrong shapes, then still delivers a good event', async () => {
    const peer = await hostile((socket) => {
      socket.on('message', () => {
        for (const junk of [
          '}{',
          'null',
          '42',
          '[]',
          '{"channel":1}',
          '{"welcome":"x"}',
          '{"pong":"x"}',
          '\u0000\uffff',
        ]) {
          socket.send(junk)
        }
        socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]))
        socket.send(JSON.stringify({ channel: 'order', event: 'created', payload: { entity_id: '9' } }))
      })
    })
    const { client: c, log } = client(peer.url)
    const events: BroadcastEvent[] = []
    c.subscribe('order', (e) => events.push(e))
    c.connect()
    await vi.waitFor(() => expect(events.filter((e) => e.kind === 'event')).toHaveLength(1))
    expect(log.debug.filter((m) => m.startsWith('ignored'))).toHaveLength(9)
    expect(c.state).toBe('connected')
    expect(peer.connections()).toBe(1)
  })

  it('detects a half-open connection (welcome announced a heartbeat, pings go unanswered) and reconnects', async () => {
    const peer = await hostile((socket) => {
      socket.send(JSON.stringify({ welcome: { connection_id: 'x', protocol: 1, heartbeat_ms: 100 } }))
      // then silence: no pong, no events, but the TCP connection stays up
    })
    const { client: c } = client(peer.url, { pongTimeoutMs: 100, reconnectDelay: 10 })
    c.connect()
    await vi.waitFor(() => expect(peer.connections()).toBeGreaterThanOrEqual(2), { timeout: 5000 })
  })

  it('never pings a spec-only server (no welcome)', async () => {
    const received: string[] = []
    const peer = await hostile((socket) => socket.on('message', (data) => received.push(String(data))))
    const { client: c } = client(peer.url, { pongTimeoutMs: 10 })
    c.subscribe('order', () => {})
    c.connect()
    await vi.waitFor(() => expect(received).toEqual(['{"subscribe":["order"]}']))
    await new Promise((r) => setTimeout(r, 300))
    expect(received).toEqual(['{"subscribe":["order"]}'])
    expect(peer.connections()).toBe(1)
  })
})
