import { RedisBroadcastEngine } from '@pattern-stack/backend-patterns/broadcast/redis'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { EngineRecorder } from './engine-recorder.js'
import { REDIS_URL, redisAvailable, uniquePrefix } from './services.js'
import { waitFor } from './wait-for.js'

const quiet = { warn: () => {}, info: () => {} }

describe.skipIf(!redisAvailable)('RedisBroadcastEngine against the real Redis', () => {
  const open: Array<{ close(): Promise<void> }> = []
  const inspector = new Redis(REDIS_URL)
  afterEach(async () => {
    await Promise.all(open.splice(0).map((engine) => engine.close()))
  })

  async function engine(prefix: string): Promise<{ engine: RedisBroadcastEngine; seen: EngineRecorder }> {
    const engine = new RedisBroadcastEngine({ url: REDIS_URL, prefix, logger: quiet })
    const seen = new EngineRecorder()
    await engine.start(seen.deliver, seen.resync)
    open.push(engine)
    return { engine, seen }
  }

  async function redisChannels(prefix: string): Promise<string[]> {
    return ((await inspector.pubsub('CHANNELS', `${prefix}*`)) as string[]).sort()
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
    await new Promise((resolve) => setTimeout(resolve, 100)) // room for duplicates to show up
    expect(b.seen.on('order')).toEqual(frames)
    expect(b.seen.on('contact')).toEqual([]) // b has no local subscriber of contact
    expect(a.seen.frames).toEqual([]) // a listens to nothing
  })

  it('subscribes in Redis only to channels with local subscribers and stops when the last leaves', async () => {
    const prefix = uniquePrefix()
    const a = await engine(prefix)
    const control = a.engine.controlChannel
    expect(await redisChannels(prefix)).toEqual([control])
    await a.engine.addChannel('order')
    await a.engine.addChannel('order:7')
    expect(await redisChannels(prefix)).toEqual([control, `${prefix}order`, `${prefix}order:7`].sort())
    await a.engine.removeChannel('order')
    expect(await redisChannels(prefix)).toEqual([control, `${prefix}order:7`].sort())
    await a.engine.close()
    expect(await redisChannels(prefix)).toEqual([])
  })

  it('announces channels whose publishes were dropped, so the instances subscribed to them resync', async () => {
    const prefix = uniquePrefix()
    const connectionName = `cut${process.pid}${Date.now()}`
    const a = new RedisBroadcastEngine({
      url: REDIS_URL,
      prefix,
      logger: quiet,
      redis: { connectionName },
      backoff: { initialMs: 400 },
    })
    open.push(a)
    await a.start(
      () => {},
      () => {},
    )
    const b = await engine(prefix)
    await b.engine.addChannel('order')
    await b.engine.addChannel('contact')
    // Cut only a's publisher connection. Redis stays up, so b's subscriber never notices: only
    // a's notice can tell b that it missed something.
    const list = String(await inspector.client('LIST'))
    const line = list.split('\n').find((l) => l.includes(` name=${connectionName}:publish `))
    const id = line?.match(/^id=(\d+)/)?.[1]
    expect(id).toBeDefined()
    await inspector.client('KILL', 'ID', String(id))
    await a.publish('order', '{"lost":1}') // dropped: resolves, does not throw
    expect(b.seen.resyncs).toEqual([])
    await waitFor(() => b.seen.resyncs.length > 0, 'the resync notice on b')
    expect(b.seen.resyncs).toEqual([['order']])
    expect(b.seen.on('order')).toEqual([])
    await a.publish('order', '{"after":1}')
    await waitFor(() => b.seen.on('order').length === 1, 'publishing to work again')
  })

  it('refuses to start against an unreachable Redis with an error naming it', async () => {
    const engine = new RedisBroadcastEngine({
      url: 'redis://127.0.0.1:1',
      connectTimeoutMs: 500,
      logger: quiet,
    })
    await expect(
      engine.start(
        () => {},
        () => {},
      ),
    ).rejects.toThrow(
      /RedisBroadcastEngine could not connect to Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    )
  })

  it('rejects a prefix that could collide with its control channel', () => {
    expect(() => new RedisBroadcastEngine({ prefix: 'a#' })).toThrow(/prefix must be a string without "#"/)
  })
})
