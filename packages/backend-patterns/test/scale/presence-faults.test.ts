import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Frame, TestClient } from '../broadcast/helpers.js'
import { type Instance, startInstance } from './instances.js'
import { canRunRedisServer, PrivateRedis } from './private-redis.js'
import { redisAvailable } from './services.js'
import { waitFor } from './wait-for.js'

const runnable = redisAvailable && (await canRunRedisServer())
if (redisAvailable && !runnable) {
  if (process.env.CI === 'true')
    throw new Error('redis-server is not installed; CI=true requires the presence fault test')
  console.warn('\n!!!!! SKIPPING the presence fault test: redis-server is not on PATH !!!!!\n')
}

function latest(client: TestClient, channel: string): Frame[] | undefined {
  return client.frames.filter((f) => f.presence?.channel === channel).at(-1)?.presence.members
}

function present(client: TestClient, channel: string, state: string | null, label?: string): void {
  client.sendRaw(JSON.stringify({ presence: { channel, state, ...(label ? { label } : {}) } }))
}

/**
 * Presence changes published while the engine is down are dropped; once Redis is back the engines'
 * resync makes each instance republish and ask the others, so members converge at once. The
 * refresh is set to a minute, so only the resync can account for it within the test.
 */
describe.skipIf(!runnable)(
  'presence through a Redis outage (a private redis-server, killed and restarted)',
  () => {
    let redis: PrivateRedis
    let a: Instance
    let b: Instance
    const clients: TestClient[] = []

    beforeAll(async () => {
      redis = await PrivateRedis.start()
      ;[a, b] = (await Promise.all(
        [1, 2].map(() =>
          startInstance({
            ENGINE: 'redis',
            REDIS_URL: redis.url,
            PREFIX: 'presence-fault:',
            PUBLISH_TIMEOUT_MS: '300',
            PRESENCE_REFRESH_MS: '60000',
          }),
        ),
      )) as [Instance, Instance]
    })
    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()))
      await Promise.all([a?.stop(), b?.stop()])
      await redis?.kill()
    })

    async function client(instance: Instance): Promise<TestClient> {
      const client = await TestClient.connect(instance.wsUrl)
      clients.push(client)
      return client
    }

    it('a leave and a join during the outage reach the other instance once Redis is back', async () => {
      const leaving = await client(a)
      const watcher = await client(b)
      present(watcher, 'order:1', 'viewing', 'Watcher')
      present(leaving, 'order:1', 'editing', 'Leaving')
      await waitFor(
        () => latest(watcher, 'order:1')?.some((m) => m.label === 'Leaving'),
        'the watcher sees Leaving',
      )

      await redis.kill()
      await waitFor(() => a.log.some((l) => l.includes('unavailable')), 'instance A to notice the outage')
      present(leaving, 'order:1', null)
      const joining = await client(a)
      present(joining, 'order:1', 'editing', 'Joining')
      await joining.next((f) => f.presence?.channel === 'order:1')
      // Nothing reached B: it still lists the member that left.
      expect(latest(watcher, 'order:1')?.map((m) => m.label)).toEqual(['Leaving'])

      await redis.restart()
      const members = await waitFor(
        () => {
          const labels = latest(watcher, 'order:1')?.map((m) => m.label)
          return labels?.length === 1 && labels[0] === 'Joining' ? labels : undefined
        },
        'the watcher to see Joining and not Leaving',
        20_000,
      )
      expect(members).toEqual(['Joining'])
    })
  },
)
