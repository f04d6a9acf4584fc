import { focusManager, onlineManager } from '@tanstack/query-core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BroadcastClient, type BroadcastClientOptions } from '../../src/runtime/core/broadcast-client.js'
import type { BroadcastEvent, ConnectionState } from '../../src/runtime/core/types.js'
import { fakeWebSocket, recordingLogger } from './fake-websocket.js'

const URL = 'ws://broadcast.test/ws/broadcast'

function setup(options: BroadcastClientOptions = {}) {
  const fake = fakeWebSocket()
  const log = recordingLogger()
  const client = new BroadcastClient(URL, {
    WebSocket: fake.WebSocket,
    random: () => 0.5,
    signals: false,
    logger: log.logger,
    ...options,
  })
  const states: ConnectionState[] = []
  client.onStateChange((state) => states.push(state))
  return { client, fake, log, states }
}

const flush = () => vi.advanceTimersByTimeAsync(0)

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('BroadcastClient state machine', () => {
  it('connecting → connected → reconnecting → connected', async () => {
    const { client, fake, states } = setup()
    expect(client.state).toBe('disconnected')
    client.connect()
    expect(fake.sockets).toHaveLength(1)
    fake.last().open()
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(500) // random 0.5 of the first 1000 ms window
    expect(fake.sockets).toHaveLength(2)
    fake.last().open()
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'connected'])
  })

  it('backs off exponentially with jitter, capped at maxReconnectDelay', async () => {
    const { client, fake } = setup({ reconnectDelay: 100, maxReconnectDelay: 500, maxReconnectAttempts: 20 })
    client.connect()
    const waits: number[] = []
    for (let attempt = 0; attempt < 6; attempt++) {
      const before = fake.sockets.length
      fake.last().drop() // the attempt failed
      let waited = 0
      while (fake.sockets.length === before) {
        await vi.advanceTimersByTimeAsync(1)
        waited += 1
      }
      waits.push(waited)
    }
    // random() = 0.5 of min(500, 100·2^n): 50, 100, 200, 250 (capped), 250, 250
    expect(waits).toEqual([50, 100, 200, 250, 250, 250])
  })

  it('starts backoff again from the first step after a stable connection, not after a flapping one', async () => {
    const { client, fake } = setup({ reconnectDelay: 100, stableAfterMs: 5000 })
    client.connect()
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(50)
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(100)
    expect(fake.sockets).toHaveLength(3)
    // Opens but drops after 1 s: not stable, the next wait is the third step (200 ms).
    fake.last().open()
    await vi.advanceTimersByTimeAsync(1000)
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(199)
    expect(fake.sockets).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(1)
    expect(fake.sockets).toHaveLength(4)
    // Stays up 5 s: stable, so the next wait is the first step again (50 ms).
    fake.last().open()
    await vi.advanceTimersByTimeAsync(5000)
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(50)
    expect(fake.sockets).toHaveLength(5)
  })

  it('after a 4012 RESTARTING close tries on a beat of the named window, never giving up on those attempts, then backs off', async () => {
    const { client, fake, states } = setup({
      maxReconnectAttempts: 2,
      reconnectDelay: 100,
      retryAfterGiveUpMs: Number.POSITIVE_INFINITY,
    })
    client.connect()
    fake.last().open()
    fake.last().drop(4012, '{"reconnect_window_ms":3000}')
    // random() = 0.5: the phase is 1500 ms into the 3000 ms window, then every 3000 ms.
    await vi.advanceTimersByTimeAsync(1499)
    expect(fake.sockets).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(fake.sockets).toHaveLength(2)
    // Ten refused attempts (five times maxReconnectAttempts): still reconnecting, one per beat.
    for (let beat = 1; beat <= 9; beat++) {
      fake.last().drop()
      await vi.advanceTimersByTimeAsync(2999)
      expect(fake.sockets).toHaveLength(beat + 1)
      await vi.advanceTimersByTimeAsync(1)
      expect(fake.sockets).toHaveLength(beat + 2)
    }
    expect(client.state).toBe('reconnecting')
    // The tenth beat's attempt (28.5 s after the close) fails: now the ordinary backoff counts.
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(50)
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(100)
    fake.last().drop()
    expect(client.state).toBe('disconnected')
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'disconnected'])
  })

  it('a 4012 close without a readable window uses 2000 ms; a connection that opens ends the restart beat', async () => {
    const { client, fake } = setup({ reconnectDelay: 100 })
    client.connect()
    fake.last().open()
    fake.last().drop(4012, 'restarting')
    await vi.advanceTimersByTimeAsync(1000) // 0.5 of the default 2000 ms window
    expect(fake.sockets).toHaveLength(2)
    fake.last().open()
    fake.last().drop() // an ordinary drop now: the first backoff step (0.5 of 100 ms)
    await vi.advanceTimersByTimeAsync(50)
    expect(fake.sockets).toHaveLength(3)
  })

  it('gives up after maxReconnectAttempts in state disconnected; connect() starts again', async () => {
    const { client, fake, states } = setup({
      maxReconnectAttempts: 2,
      reconnectDelay: 100,
      retryAfterGiveUpMs: Number.POSITIVE_INFINITY, // the spec's client: nothing after giving up
    })
    client.connect()
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(50)
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(100)
    fake.last().drop()
    expect(client.state).toBe('disconnected')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(fake.sockets).toHaveLength(3) // the first try and two reconnects, then nothing
    client.connect()
    expect(fake.sockets).toHaveLength(4)
    fake.last().open()
    expect(states).toEqual(['connecting', 'reconnecting', 'disconnected', 'connecting', 'connected'])
  })

  it('after giving up keeps trying quietly about every retryAfterGiveUpMs, and recovers when the server is back', async () => {
    const { client, fake, log, states } = setup({
      maxReconnectAttempts: 1,
      reconnectDelay: 100,
      retryAfterGiveUpMs: 60_000,
      random: () => 0.5, // a retry waits 0.75 × 60 s
    })
    client.subscribe('order', () => {})
    client.connect()
    fake.last().open()
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(50)
    fake.last().drop() // the one reconnect attempt failed: give up
    expect(client.state).toBe('disconnected')
    expect(log.warn).toEqual([`gave up on ${URL} after 1 reconnect attempts; trying again about every 60 s`])
    for (let retry = 1; retry <= 3; retry++) {
      await vi.advanceTimersByTimeAsync(44_999)
      expect(fake.sockets).toHaveLength(2 + retry - 1)
      await vi.advanceTimersByTimeAsync(1)
      expect(fake.sockets).toHaveLength(2 + retry)
      expect(client.state).toBe('disconnected') // a retry does not flash 'connecting' on the display
      if (retry < 3) fake.last().drop()
    }
    // The server is back: the retry connects, resubscribes and resyncs like any reconnect.
    fake.last().open()
    expect(fake.last().sent).toEqual([{ subscribe: ['order'] }])
    expect(states).toEqual(['connecting', 'connected', 'reconnecting', 'disconnected', 'connected'])
    // A later drop backs off from the first step again, and may give up again.
    fake.last().drop()
    expect(client.state).toBe('reconnecting')
    await vi.advanceTimersByTimeAsync(50)
    expect(fake.sockets).toHaveLength(6)
  })

  it('disconnect() stops the retries after giving up, and closes a retry still connecting', async () => {
    const { client, fake } = setup({ maxReconnectAttempts: 0, retryAfterGiveUpMs: 1000 })
    client.connect()
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(1000)
    expect(fake.sockets).toHaveLength(2)
    client.disconnect()
    expect(fake.last().closedWith).toBe(1000)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(fake.sockets).toHaveLength(2)
    expect(client.state).toBe('disconnected')
  })

  it('connect() after giving up starts over at once, replacing a retry still connecting', async () => {
    const { client, fake, states } = setup({ maxReconnectAttempts: 0, retryAfterGiveUpMs: 1000 })
    client.connect()
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(1000)
    const retry = fake.last()
    client.connect()
    expect(retry.closedWith).toBe(1000)
    expect(fake.sockets).toHaveLength(3)
    fake.last().open()
    expect(states).toEqual(['connecting', 'disconnected', 'connecting', 'connected'])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(fake.sockets).toHaveLength(3)
  })

  it('an attempt that does not open within connectTimeoutMs fails, with one warning naming the URL', async () => {
    const { client, fake, log, states } = setup({
      connectTimeoutMs: 10_000,
      reconnectDelay: 100,
      maxReconnectAttempts: 1,
      retryAfterGiveUpMs: Number.POSITIVE_INFINITY,
    })
    client.connect()
    await vi.advanceTimersByTimeAsync(9_999)
    expect(client.state).toBe('connecting')
    await vi.advanceTimersByTimeAsync(1)
    expect(fake.sockets[0]?.closedWith).toBe(4000)
    expect(client.state).toBe('reconnecting')
    expect(log.warn).toEqual([
      `no answer from ${URL} within 10000 ms; is the URL (path) right and the server up?`,
    ])
    await vi.advanceTimersByTimeAsync(50 + 10_000) // the reconnect hangs too: debug, not another warning
    expect(fake.sockets).toHaveLength(2)
    expect(log.warn).toHaveLength(2)
    expect(log.warn[1]).toMatch(/^gave up on /)
    expect(log.debug.filter((line) => line.startsWith('no answer from'))).toHaveLength(1)
    expect(states).toEqual(['connecting', 'reconnecting', 'disconnected'])
  })

  it('the connect timeout does not touch a socket that opened in time', async () => {
    const { client, fake, log } = setup({ connectTimeoutMs: 1000 })
    client.connect()
    await vi.advanceTimersByTimeAsync(999)
    fake.last().open()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(client.state).toBe('connected')
    expect(fake.last().closedWith).toBeUndefined()
    expect(log.warn).toEqual([])
  })

  it('disconnect() closes with 1000 and never reconnects', async () => {
    const { client, fake } = setup()
    client.connect()
    fake.last().open()
    client.disconnect()
    expect(client.state).toBe('disconnected')
    expect(fake.last().closedWith).toBe(1000)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(fake.sockets).toHaveLength(1)
  })
})

describe('BroadcastClient subscriptions', () => {
  it('subscribes once per channel on the wire, sends subscriptions made while disconnected once connected', async () => {
    const { client, fake } = setup()
    const a: BroadcastEvent[] = []
    const b: BroadcastEvent[] = []
    const offA = client.subscribe('order', (e) => a.push(e))
    const offB = client.subscribe('order', (e) => b.push(e))
    client.connect()
    const socket = fake.last()
    socket.open()
    expect(socket.sent).toEqual([{ subscribe: ['order'] }])
    socket.receiveFrame({ channel: 'order', event: 'created', payload: { entity_id: '1' } })
    expect(a).toHaveLength(1)
    expect(b).toHaveLength(1)
    offA()
    await flush()
    expect(socket.sent).toEqual([{ subscribe: ['order'] }]) // b still listens
    offB()
    offB() // idempotent
    await flush()
    expect(socket.sent).toEqual([{ subscribe: ['order'] }, { unsubscribe: ['order'] }])
  })

  it('batches a subscribe-unsubscribe-subscribe within one tick into no wire traffic (React StrictMode)', async () => {
    const { client, fake } = setup()
    client.connect()
    const socket = fake.last()
    socket.open()
    const off = client.subscribe('order', () => {})
    off()
    client.subscribe('order', () => {})
    client.subscribe('contact', () => {})
    await flush()
    expect(socket.sent).toEqual([{ subscribe: ['order', 'contact'] }])
  })

  it('resubscribes after reconnecting and signals resync once the server acknowledges', async () => {
    const { client, fake } = setup()
    const events: BroadcastEvent[] = []
    client.subscribe('order', (e) => events.push(e))
    client.subscribe('contact', (e) => events.push(e))
    client.connect()
    fake.last().open()
    fake.last().receiveFrame({ welcome: { connection_id: 'c1', protocol: 1, heartbeat_ms: 0 } })
    fake.last().receiveFrame({ subscribed: ['order', 'contact'] })
    expect(events).toEqual([]) // the first connection needs no resync
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(500)
    const second = fake.last()
    second.open()
    expect(second.sent).toEqual([{ subscribe: ['order', 'contact'] }])
    second.receiveFrame({ welcome: { connection_id: 'c2', protocol: 1, heartbeat_ms: 0 } })
    expect(events).toEqual([]) // not before the subscription is active, or an event could slip between
    second.receiveFrame({ subscribed: ['order', 'contact'] })
    expect(events).toEqual([
      { kind: 'resync', channel: 'order', event: 'resync', payload: {}, reason: 'reconnect' },
      { kind: 'resync', channel: 'contact', event: 'resync', payload: {}, reason: 'reconnect' },
    ])
    expect(client.connectionId).toBe('c2')
  })

  it('with a spec-only server (no welcome, no acks) signals resync after welcomeTimeoutMs', async () => {
    const { client, fake } = setup({ welcomeTimeoutMs: 300 })
    const events: BroadcastEvent[] = []
    client.subscribe('order', (e) => events.push(e))
    client.connect()
    fake.last().open()
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(500)
    fake.last().open()
    await vi.advanceTimersByTimeAsync(299)
    expect(events).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(events.map((e) => e.kind)).toEqual(['resync'])
    expect(client.connectionId).toBeNull()
  })

  it('passes a server resync frame to the handlers of those channels only', () => {
    const { client, fake } = setup()
    const order: BroadcastEvent[] = []
    const contact: BroadcastEvent[] = []
    client.subscribe('order', (e) => order.push(e))
    client.subscribe('contact', (e) => contact.push(e))
    client.connect()
    fake.last().open()
    fake.last().receiveFrame({ resync: ['order'] })
    expect(order).toEqual([
      { kind: 'resync', channel: 'order', event: 'resync', payload: {}, reason: 'server' },
    ])
    expect(contact).toEqual([])
  })

  it('ignores bad frames with a debug log and keeps working; a throwing handler does not stop the others', () => {
    const { client, fake, log } = setup()
    const events: BroadcastEvent[] = []
    client.subscribe('order', () => {
      throw new Error('boom')
    })
    client.subscribe('order', (e) => events.push(e))
    client.connect()
    const socket = fake.last()
    socket.open()
    for (const garbage of [
      'not json',
      '[1,2]',
      'null',
      '{"what":1}',
      // Unreadable, but on a channel this client does not subscribe to.
      '{"channel":"contact","event":"x","payload":3}',
    ]) {
      socket.receive(garbage)
    }
    socket.receive(new Uint8Array([1, 2, 3]))
    expect(log.debug.filter((m) => m.startsWith('ignored'))).toHaveLength(6)
    expect(log.debug.join('\n')).toMatch(/not valid JSON/)
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '7' }, origin: 'c9' })
    expect(events).toEqual([
      { kind: 'event', channel: 'order', event: 'updated', payload: { entity_id: '7' }, origin: 'c9' },
    ])
    expect(log.warn.join('\n')).toMatch(/handler for channel "order" threw/)
    expect(client.state).toBe('connected')
  })

  it('an unreadable broadcast on a subscribed channel resyncs it, with one warning per channel', () => {
    const { client, fake, log } = setup()
    const order: BroadcastEvent[] = []
    const contact: BroadcastEvent[] = []
    client.subscribe('order', (e) => order.push(e))
    client.subscribe('contact', (e) => contact.push(e))
    client.connect()
    const socket = fake.last()
    socket.open()
    socket.receiveFrame({ welcome: { connection_id: 'c1', protocol: 1, heartbeat_ms: 0 } })
    const unreadable = [
      { channel: 'order', event: 'updated', payload: { entity_id: { id: 42 } } },
      { channel: 'order', event: 'updated', payload: { entity_id: 4.2 } },
      { channel: 'order', event: 'updated' },
      { channel: 'order', payload: {} },
    ]
    for (const frame of unreadable) socket.receiveFrame(frame)
    const resync = { kind: 'resync', channel: 'order', event: 'resync', payload: {}, reason: 'unreadable' }
    expect(order).toEqual(unreadable.map(() => resync))
    expect(log.warn).toHaveLength(1)
    expect(log.warn[0]).toMatch(
      /could not read a broadcast on channel "order" \(event frame payload.entity_id must be a string or an integer, got object\)/,
    )
    expect(log.debug.filter((m) => m.startsWith('could not read'))).toHaveLength(3)
    // Another channel gets its own warning; an integer id is read as it comes.
    socket.receiveFrame({ channel: 'contact', event: 'updated', payload: null })
    socket.receiveFrame({ channel: 'contact', event: 'updated', payload: { entity_id: 42 } })
    expect(contact).toEqual([
      { ...resync, channel: 'contact' },
      { kind: 'event', channel: 'contact', event: 'updated', payload: { entity_id: 42 } },
    ])
    expect(log.warn).toHaveLength(2)
    expect(log.warn[1]).toMatch(/channel "contact" \(event frame payload must be an object, got null\)/)
  })

  it('refuses bad arguments with errors that name the problem', () => {
    const fake = fakeWebSocket()
    expect(() => new BroadcastClient('', { WebSocket: fake.WebSocket })).toThrow(
      /url must be a non-empty string/,
    )
    expect(() => new BroadcastClient('ftp://x', { WebSocket: fake.WebSocket })).toThrow(
      /must use ws: or wss:/,
    )
    expect(() => new BroadcastClient(URL, { WebSocket: fake.WebSocket, reconnectDelay: -1 })).toThrow(
      /reconnectDelay must be a non-negative number/,
    )
    expect(() => new BroadcastClient(URL, { WebSocket: fake.WebSocket, retryAfterGiveUpMs: 0 })).toThrow(
      /retryAfterGiveUpMs must be a positive number, got 0/,
    )
    expect(
      () => new BroadcastClient(URL, { WebSocket: fake.WebSocket, connectTimeoutMs: Number.NaN }),
    ).toThrow(/connectTimeoutMs must be a non-negative number, got NaN/)
    expect(() => new BroadcastClient(URL, { WebSocket: fake.WebSocket, connectTimeoutMs: 2 ** 31 })).toThrow(
      /connectTimeoutMs must be at most 2147483647 ms \(or Infinity for never\), got 2147483648/,
    )
    // Infinity: wait as long as the platform does.
    new BroadcastClient(URL, { WebSocket: fake.WebSocket, connectTimeoutMs: Number.POSITIVE_INFINITY })
    expect(() => new BroadcastClient(URL)).toThrow(/no WebSocket implementation/) // Node 20 has none
    const { client } = setup()
    expect(() => client.subscribe('has space', () => {})).toThrow(/may only use letters/)
    expect(() => client.subscribe('order', 'nope' as never)).toThrow(/handler must be a function/)
    expect(client.channels).toEqual([])
  })
})

describe('BroadcastClient liveness', () => {
  it('pings after heartbeat_ms without traffic and reconnects when no pong comes', async () => {
    const { client, fake } = setup({ pongTimeoutMs: 2000 })
    client.connect()
    const socket = fake.last()
    socket.open()
    socket.receiveFrame({ welcome: { connection_id: 'c1', protocol: 1, heartbeat_ms: 10_000 } })
    await vi.advanceTimersByTimeAsync(9_999)
    expect(socket.sent).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(socket.sent).toEqual([{ ping: 1 }])
    socket.receiveFrame({ pong: 1 }) // alive
    await vi.advanceTimersByTimeAsync(9_999)
    expect(client.state).toBe('connected')
    await vi.advanceTimersByTimeAsync(1)
    expect(socket.sent).toEqual([{ ping: 1 }, { ping: 2 }])
    await vi.advanceTimersByTimeAsync(2000) // no pong: half-open
    expect(socket.closedWith).toBe(4000)
    expect(client.state).toBe('reconnecting')
  })

  it('counts any traffic as alive, and never pings a server that sent no welcome', async () => {
    const { client, fake } = setup()
    client.subscribe('order', () => {})
    client.connect()
    const socket = fake.last()
    socket.open()
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(socket.sent).toEqual([{ subscribe: ['order'] }])
    expect(client.state).toBe('connected')
  })
})

describe("BroadcastClient browser signals (TanStack Query's onlineManager and focusManager)", () => {
  // The default signals; in Node the managers listen to nothing, so the tests drive them directly.
  const signals = { signals: undefined }
  const goOnline = () => {
    onlineManager.setOnline(false)
    onlineManager.setOnline(true)
  }
  afterEach(() => {
    onlineManager.setOnline(true)
    focusManager.setFocused(undefined)
  })

  it('reconnects at once when the browser goes back online instead of waiting out the backoff', async () => {
    const { client, fake } = setup({ ...signals, random: () => 0.99, reconnectDelay: 10_000 })
    client.connect()
    fake.last().open()
    fake.last().drop()
    await vi.advanceTimersByTimeAsync(1000)
    expect(fake.sockets).toHaveLength(1)
    goOnline()
    expect(fake.sockets).toHaveLength(2)
    fake.last().open()
    expect(client.state).toBe('connected')
    client.disconnect()
  })

  it('reconnects at once when a tab becomes visible, not while it is hidden', async () => {
    const { client, fake } = setup({ ...signals, random: () => 0.99, reconnectDelay: 10_000 })
    client.connect()
    fake.last().drop()
    focusManager.setFocused(false)
    expect(fake.sockets).toHaveLength(1) // still hidden
    focusManager.setFocused(true)
    expect(fake.sockets).toHaveLength(2)
    client.disconnect()
  })

  it('a tab waking up probes a connected socket at once (it may have died while asleep)', async () => {
    const { client, fake } = setup({ ...signals, pongTimeoutMs: 1000 })
    client.connect()
    const socket = fake.last()
    socket.open()
    socket.receiveFrame({ welcome: { connection_id: 'c1', protocol: 1, heartbeat_ms: 30_000 } })
    focusManager.setFocused(false)
    focusManager.setFocused(true)
    expect(socket.sent).toEqual([{ ping: 1 }])
    await vi.advanceTimersByTimeAsync(1000)
    expect(client.state).toBe('reconnecting')
    client.disconnect()
  })

  it('a tab becoming visible after giving up starts over at once instead of waiting for the slow retry', async () => {
    const { client, fake } = setup({ ...signals, maxReconnectAttempts: 0, retryAfterGiveUpMs: 60_000 })
    client.connect()
    fake.last().drop()
    expect(client.state).toBe('disconnected')
    focusManager.setFocused(false)
    focusManager.setFocused(true)
    expect(fake.sockets).toHaveLength(2)
    expect(client.state).toBe('connecting')
    fake.last().open()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(fake.sockets).toHaveLength(2) // the slow retry was called off
    client.disconnect()
  })

  it('going online restarts a client that gave up, but not one the app disconnected', async () => {
    const { client, fake } = setup({ ...signals, maxReconnectAttempts: 0 })
    client.connect()
    fake.last().drop()
    expect(client.state).toBe('disconnected')
    goOnline()
    expect(fake.sockets).toHaveLength(2)
    expect(client.state).toBe('connecting')
    client.disconnect()
    goOnline()
    expect(fake.sockets).toHaveLength(2)
  })

  it('injected signals replace the managers; false ignores them', () => {
    const listeners = new Set<(online: boolean) => void>()
    const online = {
      subscribe: (listener: (online: boolean) => void) => {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    }
    const { client, fake } = setup({ signals: { online }, maxReconnectAttempts: 0 })
    client.connect()
    fake.last().drop()
    goOnline() // the global manager is not listened to
    expect(fake.sockets).toHaveLength(1)
    for (const listener of listeners) listener(true)
    expect(fake.sockets).toHaveLength(2)
    client.disconnect()
    expect(listeners.size).toBe(0)
    const ignoring = setup({ signals: false, maxReconnectAttempts: 0 })
    ignoring.client.connect()
    ignoring.fake.last().drop()
    goOnline()
    expect(ignoring.fake.sockets).toHaveLength(1)
  })
})
