import { afterEach, describe, expect, it, vi } from 'vitest'
import { prebuildTextFrame, textFrameBuilder } from '../../src/broadcast/prebuilt-frame.js'
import { startServer, TestClient, type TestServer } from './helpers.js'

// A ws release without the internal `Sender.frame` the backend uses to prebuild broadcast frames.
// Only that export is gone: ws itself (and the test clients) keep working.
vi.mock('ws', async (importOriginal) => ({ ...(await importOriginal<object>()), Sender: undefined }))

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('ws without Sender.frame', () => {
  it('is detected: no prebuilt frames', () => {
    expect(prebuildTextFrame).toBeNull()
  })

  it('still delivers every broadcast, in order and between the control frames, through ws.send', async () => {
    server = await startServer()
    const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect((server as TestServer).url)))
    for (const client of clients) await client.subscribe('order')
    // 50 broadcasts in one tick: corked and written together, as with prebuilt frames.
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        server?.backend.broadcast('order', 'updated', { entity_id: String(i), note: 'é ✓' }),
      ),
    )
    for (const client of clients) {
      await client.roundTrip()
      expect(client.events.map((e) => e.payload.entity_id)).toEqual(
        Array.from({ length: 50 }, (_, i) => String(i)),
      )
      expect(client.events[0]).toEqual({
        channel: 'order',
        event: 'updated',
        payload: { entity_id: '0', note: 'é ✓' },
      })
    }
    expect(clients.map((c) => c.frames.map((f) => Object.keys(f)[0]).slice(0, 2))).toEqual(
      clients.map(() => ['welcome', 'subscribed']),
    )
  })

  it('still closes a slow consumer with 4009', async () => {
    server = await startServer({ limits: { maxBufferedBytes: 64 * 1024 } })
    const client = await TestClient.connect(server.url)
    await client.subscribe('order')
    client.ws.pause() // stops reading: the server's socket buffer fills up
    const big = 'x'.repeat(8 * 1024)
    for (let i = 0; i < 200 && server.backend.getSubscriberCount('order') > 0; i++) {
      await server.backend.broadcast('order', 'updated', { entity_id: String(i), big })
    }
    client.ws.resume()
    expect((await client.closed).code).toBe(4009)
  })
})

describe('textFrameBuilder', () => {
  it('refuses a Sender without a frame function, or one that does not build RFC 6455 frames', () => {
    expect(textFrameBuilder(undefined)).toBeNull()
    expect(textFrameBuilder({})).toBeNull()
    expect(textFrameBuilder({ frame: 'not a function' })).toBeNull()
    expect(textFrameBuilder({ frame: () => [] })).toBeNull()
    expect(textFrameBuilder({ frame: () => [Buffer.from([0x82, 0x02])] })).toBeNull() // binary opcode
    expect(
      textFrameBuilder({
        frame: () => {
          throw new Error('changed signature')
        },
      }),
    ).toBeNull()
  })

  it("builds complete text frames on the real ws's Sender.frame", async () => {
    const { Sender } = await vi.importActual<{ Sender: unknown }>('ws')
    const build = textFrameBuilder(Sender)
    expect(build).not.toBeNull()
    expect(build?.('ok')).toEqual(Buffer.from([0x81, 0x02, 0x6f, 0x6b]))
    const long = 'y'.repeat(70_000)
    const frame = build?.(long) as Buffer
    expect([...frame.subarray(0, 2)]).toEqual([0x81, 127]) // 64-bit length
    expect(frame.readBigUInt64BE(2)).toBe(70_000n)
    expect(frame.subarray(10).toString()).toBe(long)
  })
})
