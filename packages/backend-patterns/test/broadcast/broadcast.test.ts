import { once } from 'node:events'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, TestClient, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('broadcast', () => {
  it("delivers the spec's event frame to the channel's subscribers and no one else", async () => {
    server = await startServer()
    const [orderA, orderB, contact, nothing] = await Promise.all(
      [1, 2, 3, 4].map(() => TestClient.connect((server as TestServer).url)),
    )
    await orderA?.subscribe('order')
    await orderB?.subscribe('order', 'contact')
    await contact?.subscribe('contact')

    await server.backend.broadcast('order', 'item_added', { entity_id: '123', item_id: '9' })
    const expected = { channel: 'order', event: 'item_added', payload: { entity_id: '123', item_id: '9' } }
    expect(await orderA?.next((f) => 'event' in f)).toEqual(expected)
    expect(await orderB?.next((f) => 'event' in f)).toEqual(expected)

    await Promise.all([contact, nothing].map((c) => c?.roundTrip()))
    expect(contact?.events).toEqual([])
    expect(nothing?.events).toEqual([])
  })

  it('sends events as text frames', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    await client.subscribe('order')
    const message = once(client.ws, 'message')
    await server.backend.broadcast('order', 'created', {})
    const [, isBinary] = await message
    expect(isBinary).toBe(false)
  })

  it('carries origin when given, so the originating client can skip its echo', async () => {
    server = await startServer()
    const a = await TestClient.connect(server.url)
    const b = await TestClient.connect(server.url)
    await a.subscribe('order')
    await b.subscribe('order')
    await server.backend.broadcast('order', 'updated', { entity_id: '1' }, { origin: a.id })
    const frame = { channel: 'order', event: 'updated', payload: { entity_id: '1' }, origin: a.id }
    expect(await a.next((f) => 'event' in f)).toEqual(frame)
    expect(await b.next((f) => 'event' in f)).toEqual(frame)
  })

  it('delivers back-to-back broadcasts in publish order, exactly once, across channels', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    await client.subscribe('order', 'contact')
    for (let i = 0; i < 200; i++) {
      await server.backend.broadcast(i % 2 ? 'order' : 'contact', 'updated', { entity_id: String(i) })
    }
    // Not awaited: all in one tick, coalesced into one socket write.
    const burst = Array.from({ length: 40 }, (_, i) =>
      server?.backend.broadcast('order', 'burst', { entity_id: String(i) }),
    )
    await Promise.all(burst)
    await client.roundTrip()
    const ids = client.events.map((f) => f.payload.entity_id)
    expect(ids).toEqual([
      ...Array.from({ length: 200 }, (_, i) => String(i)),
      ...Array.from({ length: 40 }, (_, i) => String(i)),
    ])
    expect(client.events.slice(0, 4).map((f) => f.channel)).toEqual(['contact', 'order', 'contact', 'order'])
  })

  it("coalesces one tick's frames to a socket: 40 back-to-back broadcasts leave in at most 2 socket writes", async () => {
    server = await startServer()
    // Count what the server's socket hands to the OS (Node's _write / _writev), nothing replaced.
    let dispatches = 0
    server.server.prependListener('upgrade', (_request, socket: Duplex) => {
      const s = socket as Duplex & { _writev?: (...args: unknown[]) => void }
      const write = s._write.bind(s)
      const writev = s._writev?.bind(s)
      s._write = (...args: Parameters<Duplex['_write']>) => {
        dispatches++
        write(...args)
      }
      if (writev) {
        s._writev = (...args: unknown[]) => {
          dispatches++
          writev(...args)
        }
      }
    })
    const client = await TestClient.connect(server.url)
    await client.subscribe('order')
    const before = dispatches
    for (let i = 0; i < 40; i++) await server.backend.broadcast('order', 'burst', { entity_id: String(i) })
    await new Promise((resolve) => setImmediate(resolve))
    expect(dispatches - before).toBeGreaterThanOrEqual(1)
    expect(dispatches - before).toBeLessThanOrEqual(2)
    await client.roundTrip()
    expect(client.events.map((f) => f.payload.entity_id)).toEqual(
      Array.from({ length: 40 }, (_, i) => String(i)),
    )
  })

  it('frames payloads of every length class (7-bit, 16-bit and 64-bit lengths) and non-ASCII text', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    await client.subscribe('order')
    const notes = ['', 'x'.repeat(100), 'é€😀'.repeat(200), 'y'.repeat(70_000)]
    for (const note of notes) await server.backend.broadcast('order', 'noted', { entity_id: '1', note })
    await client.roundTrip()
    expect(client.events.map((f) => f.payload.note)).toEqual(notes)
  })

  it('a broadcast to a channel without subscribers is fine', async () => {
    server = await startServer()
    await expect(server.backend.broadcast('nobody', 'created', {})).resolves.toBeUndefined()
  })

  it('refuses bad arguments with a TypeError naming the problem, and sends nothing', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    await client.subscribe('order')
    const b = server.backend
    await expect(b.broadcast('', 'created', {})).rejects.toThrow(new TypeError('channel must not be empty'))
    await expect(b.broadcast('bad channel', 'created', {})).rejects.toThrow(/may only use letters/)
    await expect(b.broadcast('order', '', {})).rejects.toThrow(/event must be a non-empty string/)
    await expect(b.broadcast('order', 'created', null as never)).rejects.toThrow(
      /payload must be an object, got null/,
    )
    await expect(b.broadcast('order', 'created', [] as never)).rejects.toThrow(
      /payload must be an object, got array/,
    )
    await expect(b.broadcast('order', 'created', { entity_id: 5.5 })).rejects.toThrow(
      /entity_id must be a string or an integer, got the number 5.5/,
    )
    await expect(b.broadcast('order', 'created', { entity_id: {} as never })).rejects.toThrow(
      /entity_id must be a string or an integer, got object/,
    )
    await expect(b.broadcast('order', 'created', {}, { origin: '' })).rejects.toThrow(/origin must be/)
    await expect(b.broadcast('order', 'created', { x: 1n })).rejects.toThrow(TypeError)
    await client.roundTrip()
    expect(client.events).toEqual([])
  })
})

describe('resync', () => {
  it('sends each subscriber one resync frame naming its affected channels', async () => {
    server = await startServer()
    const a = await TestClient.connect(server.url)
    const b = await TestClient.connect(server.url)
    const c = await TestClient.connect(server.url)
    await a.subscribe('order', 'contact')
    await b.subscribe('contact')
    await c.subscribe('invoice')
    server.backend.sendResync(['order', 'contact', 'order', 'nobody'])
    expect(await a.next((f) => 'resync' in f)).toEqual({ resync: ['order', 'contact'] })
    expect(await b.next((f) => 'resync' in f)).toEqual({ resync: ['contact'] })
    await c.roundTrip()
    expect(c.frames.some((f) => 'resync' in f)).toBe(false)
    expect(() => server?.backend.sendResync('order' as never)).toThrow(TypeError)
  })
})
