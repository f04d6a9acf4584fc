import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BroadcastTestClient } from './broadcast-client.js'
import { type Instance, startInstance } from './instances.js'
import { expectResyncAndFlow, expectServingThroughOutage } from './outage-checks.js'
import { canRunRedisServer, PrivateRedis } from './private-redis.js'
import { redisAvailable } from './services.js'
import { waitFor } from './wait-for.js'

const runnable = redisAvailable && (await canRunRedisServer())
if (redisAvailable && !runnable) {
  if (process.env.CI === 'true')
    throw new Error('redis-server is not installed; CI=true requires the Redis fault tests')
  console.warn('\n!!!!! SKIPPING Redis fault tests: redis-server is not on PATH !!!!!\n')
}

describe.skipIf(!runnable)('losing Redis (a private redis-server, killed and restarted)', () => {
  let redis: PrivateRedis
  let a: Instance
  let b: Instance
  const clients: BroadcastTestClient[] = []

  beforeAll(async () => {
    redis = await PrivateRedis.start()
    ;[a, b] = (await Promise.all(
      [1, 2].map(() =>
        startInstance({ ENGINE: 'redis', REDIS_URL: redis.url, PREFIX: 'fault:', PUBLISH_TIMEOUT_MS: '300' }),
      ),
    )) as [Instance, Instance]
  })
  afterAll(async () => {
    for (const client of clients) client.close()
    await Promise.all([a?.stop(), b?.stop()])
    await redis?.kill()
  })

  it('keeps WebSockets and handlers up, then resubscribes, resyncs and delivers again', async () => {
    const onA = await BroadcastTestClient.connect(a.wsUrl)
    const onB = await BroadcastTestClient.connect(b.wsUrl)
    clients.push(onA, onB)
    await onA.subscribe('order')
    await onB.subscribe('order', 'contact')
    await a.broadcast('order', 'before', { entity_id: '1' })
    await waitFor(
      () => onB.events('order').length === 1 && onA.events('order').length === 1,
      'the first broadcast',
    )

    await redis.kill()
    for (const instance of [a, b]) {
      await waitFor(
        () => instance.log.some((l) => l.includes('subscriber') && l.includes('unavailable')),
        'the outage to be noticed',
      )
    }
    await expectServingThroughOutage([a, b], [onA, onB])
    // Logged once per outage, not once per failure.
    expect(a.log.filter((l) => l.includes('publisher') && l.includes('unavailable'))).toHaveLength(1)

    await redis.restart()
    for (const instance of [a, b]) {
      await waitFor(
        () => instance.log.some((l) => l.includes('publisher') && l.includes('recovered')),
        'the publisher to reconnect',
        20_000,
      )
    }
    await expectResyncAndFlow(a, [
      { client: onA, channels: ['order'] },
      { client: onB, channels: ['contact', 'order'] },
    ])
  })

  it('answers handlers while Redis hangs (paused writes), then resyncs the channel whose publish timed out', async () => {
    const onB = await BroadcastTestClient.connect(b.wsUrl)
    clients.push(onB)
    await onB.subscribe('invoice')
    const admin = new Redis(redis.url)
    try {
      // Redis stops executing PUBLISH (and every write) until CLIENT UNPAUSE; connections stay up.
      await admin.client('PAUSE', 60_000, 'WRITE')
      // Resolves although Redis has not answered: the publish counts as dropped.
      await a.broadcast('invoice', 'during_hang', { entity_id: 'h1' })
      expect(await a.get<string>('/health')).toBe('ok')
      await onB.ping(7)
      expect(onB.events('invoice')).toEqual([])
      await admin.client('UNPAUSE')
    } finally {
      admin.disconnect()
    }
    // The next successful publish announces the dropped one; b resyncs invoice.
    await a.broadcast('invoice', 'after_hang', { entity_id: 'h2' })
    await waitFor(() => onB.resyncs().some((r) => r.includes('invoice')), 'a resync of invoice')
    await waitFor(
      () => onB.events('invoice').some((e) => e.event === 'after_hang'),
      'the broadcast after the hang',
    )
    expect(onB.isOpen).toBe(true)
  })
})
