import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Frame, TestClient } from '../broadcast/helpers.js'
import { type Instance, startInstance } from './instances.js'
import { DATABASE_URL, postgresAvailable, REDIS_URL, redisAvailable, uniquePrefix } from './services.js'
import { waitFor } from './wait-for.js'

const engines = [
  { engine: 'redis' as const, available: redisAvailable },
  { engine: 'postgres' as const, available: postgresAvailable },
]

/** Each instance republishes its members this often; a dead one's vanish within 4× this. */
const REFRESH_MS = 200

/** The latest member list `client` received for `channel`. */
function latest(client: TestClient, channel: string): Frame[] | undefined {
  const frames = client.frames.filter((f) => f.presence?.channel === channel)
  return frames.at(-1)?.presence.members
}

function present(client: TestClient, channel: string, state: string | null, label?: string): void {
  client.sendRaw(JSON.stringify({ presence: { channel, state, ...(label ? { label } : {}) } }))
}

for (const { engine, available } of engines) {
  describe.skipIf(!available)(`presence across two server processes on ${engine}`, () => {
    const prefix = uniquePrefix()
    let one: Instance
    let two: Instance
    const clients: TestClient[] = []

    beforeAll(async () => {
      const env = {
        ENGINE: engine,
        REDIS_URL,
        DATABASE_URL,
        PREFIX: prefix,
        PRESENCE_REFRESH_MS: String(REFRESH_MS),
      }
      ;[one, two] = (await Promise.all([startInstance(env), startInstance(env)])) as [Instance, Instance]
    })
    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()))
      await Promise.all([one, two].map((instance) => instance?.stop()))
    })

    async function client(instance: Instance): Promise<TestClient> {
      const client = await TestClient.connect(instance.wsUrl)
      clients.push(client)
      return client
    }

    it('a member on one instance is seen on the other: join, state change, leave, close', async () => {
      const a = await client(one)
      const b = await client(two)
      present(b, 'order:7', 'viewing', 'Tablet B')
      present(a, 'order:7', 'editing', 'Tablet A')
      const sawA = await waitFor(
        () => latest(b, 'order:7')?.find((m) => m.label === 'Tablet A'),
        'B sees A editing',
      )
      expect(sawA.state).toBe('editing')
      await waitFor(() => latest(a, 'order:7')?.some((m) => m.label === 'Tablet B'), 'A sees B')

      present(a, 'order:7', 'viewing', 'Tablet A')
      await waitFor(() => latest(b, 'order:7')?.[0]?.state === 'viewing', 'B sees A viewing')
      present(a, 'order:7', null)
      await waitFor(() => latest(b, 'order:7')?.length === 0, 'B sees A gone (left)')

      present(a, 'order:7', 'editing', 'Tablet A')
      await waitFor(() => latest(b, 'order:7')?.length === 1, 'B sees A again')
      await a.close()
      await waitFor(() => latest(b, 'order:7')?.length === 0, 'B sees A gone (closed)')
    })

    it('a newcomer sees who was there before it joined, on the other instance', async () => {
      const a = await client(one)
      present(a, 'order:8', 'editing', 'Tablet A')
      await a.next((f) => f.presence?.channel === 'order:8')
      const late = await client(two)
      present(late, 'order:8', 'viewing', 'Late')
      const seen = await waitFor(() => latest(late, 'order:8')?.find((m) => m.label === 'Tablet A'), 'A')
      expect(seen.state).toBe('editing')
    })

    it('the members of an instance that dies without a word expire on the other', async () => {
      const doomed = await startInstance({
        ENGINE: engine,
        REDIS_URL,
        DATABASE_URL,
        PREFIX: prefix,
        PRESENCE_REFRESH_MS: String(REFRESH_MS),
      })
      const a = await TestClient.connect(doomed.wsUrl)
      const b = await client(two)
      present(b, 'order:9', 'viewing', 'Tablet B')
      present(a, 'order:9', 'editing', 'Tablet A')
      await waitFor(() => latest(b, 'order:9')?.length === 1, 'B sees A')
      const killedAt = Date.now()
      await doomed.kill()
      await waitFor(() => latest(b, 'order:9')?.length === 0, 'A expired')
      const took = Date.now() - killedAt
      console.info(
        `[${engine}] a dead instance's member expired after ${took} ms (bound: ${4 * REFRESH_MS} ms)`,
      )
      a.ws.terminate()
      // Still there, and still answered by the live instance.
      expect(latest(b, 'order:9')).toEqual([])
    })
  })
}
