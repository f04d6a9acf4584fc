import { once } from 'node:events'
import { CloseCode } from '@pattern-stack/sync-protocol'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { eventually, rawUpgrade, startServer, TestClient, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

describe('heartbeat', () => {
  it('terminates a ws client that stops answering pings and keeps one that answers', async () => {
    // Long enough that a loaded machine never delays the healthy client's pong past the next ping.
    server = await startServer({ heartbeatMs: 250 })
    const silent = await TestClient.connect(server.url, { autoPong: false })
    const healthy = await TestClient.connect(server.url)
    await silent.subscribe('order')
    await healthy.subscribe('order')
    expect((await silent.closed).code).toBe(1006) // terminated: no closing handshake
    await eventually(
      () => server?.backend.getSubscriberCount('order') === 1,
      'the silent client to be dropped',
    )
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN)
    await server.backend.broadcast('order', 'created', {})
    expect((await healthy.next((f) => 'event' in f)).event).toBe('created')
  })

  it('terminates a half-open TCP peer that completed the upgrade and then went silent', async () => {
    server = await startServer({ heartbeatMs: 40 })
    const socket = await rawUpgrade(server.port)
    const closed = once(socket, 'close')
    socket.resume() // reads (and ignores) the pings, never answers
    await eventually(() => server?.backend.getTotalConnections() === 1, 'the connection to open')
    await closed
    await eventually(() => server?.backend.getTotalConnections() === 0, 'the connection to be dropped')
  })
})

describe('failed sends', () => {
  it('a broadcast that cannot be written to a connection removes it from every channel', async () => {
    let rateLimited: () => void = () => {}
    const closing = new Promise<void>((resolve) => {
      rateLimited = resolve
    })
    server = await startServer({
      limits: { maxMessagesPerSecond: 5 },
      closeTimeoutMs: 60_000,
      logger: { info: (message) => message.includes('rate limited') && rateLimited() },
    })
    const client = await TestClient.connect(server.url)
    await client.subscribe('order', 'contact')
    client.ws.pause() // will not answer the server's close frame: the server stays in CLOSING
    for (let i = 0; i < 10; i++) client.send({ ping: i })
    await closing
    expect(server.backend.getSubscriberCount('order')).toBe(1)
    await server.backend.broadcast('order', 'created', {})
    expect(server.backend.getSubscriberCount('order')).toBe(0)
    expect(server.backend.getSubscriberCount('contact')).toBe(0)
    expect(server.backend.getTotalConnections()).toBe(0)
    client.ws.terminate()
  })

  it('a client that vanished without a closing handshake is dropped and others keep receiving', async () => {
    server = await startServer()
    const gone = await TestClient.connect(server.url)
    const staying = await TestClient.connect(server.url)
    await gone.subscribe('order')
    await staying.subscribe('order')
    gone.ws.terminate()
    for (let i = 0; i < 50; i++) {
      await server.backend.broadcast('order', 'created', { entity_id: String(i) })
      await nextTurn()
    }
    await eventually(
      () => server?.backend.getSubscriberCount('order') === 1,
      'the vanished client to be dropped',
    )
    await staying.roundTrip()
    expect(staying.events).toHaveLength(50)
  })
})

describe('slow consumers', () => {
  const payload = { entity_id: '1', note: 'x'.repeat(32 * 1024) }

  /** Broadcasts big events until `slow` is gone from the channel; returns how many were sent. */
  async function floodUntilDropped(s: TestServer, channel: string, expectedCount: number): Promise<number> {
    let sent = 0
    while (s.backend.getSubscriberCount(channel) > expectedCount) {
      if (sent > 5000) throw new Error('the slow consumer was never dropped')
      await s.backend.broadcast(channel, 'noted', payload)
      sent++
      await nextTurn() // let the fast client read
    }
    return sent
  }

  it('closes a connection whose unsent data passes maxBufferedBytes with 4009; fast clients get everything', async () => {
    server = await startServer({ limits: { maxBufferedBytes: 256 * 1024 } })
    const slow = await TestClient.connect(server.url)
    const fast = await TestClient.connect(server.url)
    await slow.subscribe('order')
    await fast.subscribe('order')
    slow.ws.pause() // stops reading: the kernel buffers fill, then the server's
    const sent = await floodUntilDropped(server, 'order', 1)
    expect(server.backend.getTotalConnections()).toBe(1) // no longer counted while its close is pending
    slow.ws.resume()
    const { code, reason } = await slow.closed
    expect(code).toBe(CloseCode.SLOW_CONSUMER)
    expect(reason).toMatch(/slow consumer/)
    expect(slow.events.length).toBeLessThan(sent) // it never got the ones it had no room for
    await fast.roundTrip()
    expect(fast.events).toHaveLength(sent)
  })

  it('terminates a slow consumer that does not even read its close frame', async () => {
    let terminated: () => void = () => {}
    const terminating = new Promise<void>((resolve) => {
      terminated = resolve
    })
    server = await startServer({
      limits: { maxBufferedBytes: 128 * 1024 },
      closeTimeoutMs: 50,
      logger: { debug: (message) => message.includes('terminating') && terminated() },
    })
    const slow = await TestClient.connect(server.url)
    await slow.subscribe('order')
    slow.ws.pause()
    await floodUntilDropped(server, 'order', 0)
    expect(server.backend.getTotalConnections()).toBe(0)
    await terminating
    slow.ws.resume() // it reads what reached its kernel buffer, then the connection just ends
    expect((await slow.closed).code).toBe(1006)
  })
})
