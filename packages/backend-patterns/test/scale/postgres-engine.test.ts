import {
  POSTGRES_MAX_IDENTIFIER_BYTES,
  PostgresBroadcastEngine,
  postgresChannelName,
} from '@pattern-stack/backend-patterns/broadcast/postgres'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { EngineRecorder } from './engine-recorder.js'
import { DATABASE_URL, postgresAvailable, uniquePrefix } from './services.js'
import { waitFor } from './wait-for.js'

const quiet = { warn: () => {}, info: () => {} }

describe.skipIf(!postgresAvailable)('PostgresBroadcastEngine against the real Postgres', () => {
  const open: Array<{ close(): Promise<void> }> = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((engine) => engine.close()))
  })

  async function engine(prefix: string): Promise<{ engine: PostgresBroadcastEngine; seen: EngineRecorder }> {
    const engine = new PostgresBroadcastEngine({ connectionString: DATABASE_URL, prefix, logger: quiet })
    const seen = new EngineRecorder()
    await engine.start(seen.deliver, seen.resync)
    open.push(engine)
    return { engine, seen }
  }

  it('delivers a publish on one instance to the other, in order, once each, only where subscribed', async () => {
    const prefix = uniquePrefix()
    const a = await engine(prefix)
    const b = await engine(prefix)
    await b.engine.addChannel('order')
    const frames = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ channel: 'order', event: 'e', payload: { entity_id: String(i) } }),
    )
    // Published without waiting for one another, as concurrent request handlers would.
    await Promise.all(frames.map((frame) => a.engine.publish('order', frame)))
    await a.engine.publish('contact', '{"channel":"contact"}')
    await waitFor(() => b.seen.on('order').length === frames.length, 'all 200 frames on b')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(b.seen.on('order')).toEqual(frames)
    expect(b.seen.on('contact')).toEqual([])
    expect(a.seen.frames).toEqual([])
  })

  it('LISTENs only to channels with local subscribers, and UNLISTENs when the last leaves', async () => {
    const prefix = uniquePrefix()
    const probe = new pg.Client({ connectionString: DATABASE_URL })
    await probe.connect()
    try {
      const a = await engine(prefix)
      const control = a.engine.controlChannel
      expect(await a.engine.postgresListeningChannels()).toEqual([control])
      const long = `order:${'x'.repeat(120)}`
      await a.engine.addChannel('order')
      await a.engine.addChannel(long)
      expect(await a.engine.postgresListeningChannels()).toEqual(
        [control, `${prefix}order`, postgresChannelName(long, prefix)].sort(),
      )
      await probe.query('SELECT pg_notify($1, $2)', [postgresChannelName(long, prefix), 'long'])
      await probe.query('SELECT pg_notify($1, $2)', [postgresChannelName('order', prefix), 'one'])
      await waitFor(() => a.seen.frames.length === 2, 'both frames')
      expect(a.seen.frames).toEqual([
        { channel: long, frame: 'long' },
        { channel: 'order', frame: 'one' },
      ])
      await a.engine.removeChannel('order')
      expect(await a.engine.postgresListeningChannels()).toEqual(
        [control, postgresChannelName(long, prefix)].sort(),
      )
      await probe.query('SELECT pg_notify($1, $2)', [postgresChannelName('order', prefix), 'two'])
      await probe.query('SELECT pg_notify($1, $2)', [postgresChannelName(long, prefix), 'long2'])
      await waitFor(() => a.seen.frames.length === 3, 'the frame on the long channel')
      expect(a.seen.frames.map((f) => f.frame)).toEqual(['long', 'one', 'long2'])
    } finally {
      await probe.end()
    }
  })

  it('maps long channel names to distinct identifiers within 63 bytes', () => {
    const long1 = `a${'x'.repeat(127)}`
    const long2 = `b${'x'.repeat(127)}`
    const name1 = postgresChannelName(long1, 'sync:')
    expect(Buffer.byteLength(name1)).toBeLessThanOrEqual(POSTGRES_MAX_IDENTIFIER_BYTES)
    expect(name1).not.toBe(postgresChannelName(long2, 'sync:'))
    expect(name1.startsWith('sync:#')).toBe(true)
    expect(postgresChannelName('order', 'sync:')).toBe('sync:order')
  })

  it('refuses a frame of 8000 bytes or more with an error naming the channel and size, and sends nothing', async () => {
    const prefix = uniquePrefix()
    const a = await engine(prefix)
    await a.engine.addChannel('order')
    const big = JSON.stringify({ channel: 'order', event: 'e', payload: { blob: 'x'.repeat(8000) } })
    await expect(a.engine.publish('order', big)).rejects.toThrow(
      new RegExp(
        `broadcast on channel "order" is ${Buffer.byteLength(big)} bytes; Postgres NOTIFY payloads must be shorter than 8000 bytes`,
      ),
    )
    await expect(a.engine.publish('order', big)).rejects.toThrow(RangeError)
    await a.engine.publish('order', '{"small":1}')
    await waitFor(() => a.seen.frames.length === 1, 'the small frame')
    expect(a.seen.on('order')).toEqual(['{"small":1}'])
  })

  it('refuses to start against an unreachable Postgres with an error naming the problem', async () => {
    const a = new PostgresBroadcastEngine({
      connectionString: 'postgres://postgres@127.0.0.1:1/test',
      logger: quiet,
    })
    await expect(
      a.start(
        () => {},
        () => {},
      ),
    ).rejects.toThrow(/PostgresBroadcastEngine could not connect to Postgres: .*ECONNREFUSED/)
  })

  it('rejects a prefix Postgres channel names cannot carry', () => {
    expect(() => new PostgresBroadcastEngine({ connectionString: DATABASE_URL, prefix: 'a b' })).toThrow(
      /prefix must use only/,
    )
    expect(
      () => new PostgresBroadcastEngine({ connectionString: DATABASE_URL, prefix: 'p'.repeat(41) }),
    ).toThrow(/the limit is 40/)
  })
})
