import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BroadcastTestClient } from './broadcast-client.js'
import { type Instance, startInstance } from './instances.js'
import { DATABASE_URL, postgresAvailable, REDIS_URL, redisAvailable, uniquePrefix } from './services.js'
import { waitFor } from './wait-for.js'

const engines = [
  { engine: 'redis' as const, available: redisAvailable },
  { engine: 'postgres' as const, available: postgresAvailable },
]

for (const { engine, available } of engines) {
  describe.skipIf(!available)(`three server processes sharing the ${engine} engine`, () => {
    const prefix = uniquePrefix()
    let a: Instance
    let b: Instance
    let c: Instance
    const clients: BroadcastTestClient[] = []
    const redis = engine === 'redis' ? new Redis(REDIS_URL) : null

    beforeAll(async () => {
      const started = await Promise.all(
        [1, 2, 3].map(() => startInstance({ ENGINE: engine, REDIS_URL, DATABASE_URL, PREFIX: prefix })),
      )
      ;[a, b, c] = started as [Instance, Instance, Instance]
    })
    afterAll(async () => {
      for (const client of clients) client.close()
      await Promise.all([a, b, c].map((instance) => instance?.stop()))
      redis?.disconnect()
    })

    async function client(instance: Instance, ...channels: string[]): Promise<BroadcastTestClient> {
      const client = await BroadcastTestClient.connect(instance.wsUrl)
      clients.push(client)
      if (channels.length > 0) await client.subscribe(...channels)
      return client
    }

    /** How many instances listen to `channel` in the fan-out server itself. */
    async function listeners(channel: string): Promise<number> {
      if (redis) {
        const [, count] = (await redis.pubsub('NUMSUB', `${prefix}${channel}`)) as [string, number]
        return Number(count)
      }
      const lists = await Promise.all([a, b, c].map((i) => i.get<{ postgres: string[] }>('/channels')))
      return lists.filter((list) => list.postgres.includes(`${prefix}${channel}`)).length
    }

    it('delivers a change handled by one instance to the subscribers on the others, in order, once', async () => {
      const onA = await client(a, 'order')
      const onB = await client(b, 'order', 'contact')
      const onC = await client(c, 'contact') // c publishes order changes but has no order subscriber
      const count = 60
      for (let i = 0; i < count; i++) await c.broadcast('order', 'item_added', { entity_id: String(i) })
      await c.broadcast('contact', 'created', { entity_id: 'k1' })
      const expected = Array.from({ length: count }, (_, i) => String(i))
      for (const subscriber of [onA, onB]) {
        await waitFor(() => subscriber.events('order').length >= count, `${count} order events`)
      }
      await waitFor(
        () => onC.events('contact').length === 1 && onB.events('contact').length === 1,
        'contact events',
      )
      await new Promise((resolve) => setTimeout(resolve, 200)) // room for a duplicate to show up
      for (const subscriber of [onA, onB]) {
        expect(subscriber.events('order').map((e) => e.payload.entity_id)).toEqual(expected)
      }
      expect(onA.events('contact')).toEqual([])
      expect(onC.events('order')).toEqual([])
      expect(onB.events('contact')).toEqual([
        { channel: 'contact', event: 'created', payload: { entity_id: 'k1' } },
      ])
    })

    it('listens in the fan-out server only where a channel has local subscribers, and stops when the last leaves', async () => {
      const first = await client(a, 'invoice')
      const second = await client(a, 'invoice')
      expect(await listeners('invoice')).toBe(1)
      const onB = await client(b, 'invoice')
      expect(await listeners('invoice')).toBe(2)
      await first.unsubscribe('invoice')
      expect(await listeners('invoice')).toBe(2) // a still has `second`
      second.close()
      await waitFor(
        async () => (await listeners('invoice')) === 1,
        'a to stop listening after its last subscriber left',
      )
      await onB.unsubscribe('invoice')
      expect(await listeners('invoice')).toBe(0)
      expect(await a.get('/channels')).toMatchObject({ local: expect.not.arrayContaining(['invoice']) })
    })

    if (engine === 'redis') {
      it('publishes once per broadcast, whatever the number of instances and subscribers', async () => {
        await client(a, 'ticket')
        await client(b, 'ticket')
        await client(b, 'ticket')
        const monitor = await new Redis(REDIS_URL).monitor()
        const publishes: string[] = []
        monitor.on('monitor', (_time: string, args: string[]) => {
          if (args[0]?.toLowerCase() === 'publish' && args[1] === `${prefix}ticket`)
            publishes.push(args[2] ?? '')
        })
        try {
          await new Promise((resolve) => setTimeout(resolve, 100))
          await a.broadcast('ticket', 'opened', { entity_id: 't1' })
          await b.broadcast('ticket', 'closed', { entity_id: 't1' })
          await waitFor(() => publishes.length >= 2, 'two PUBLISH commands')
          await new Promise((resolve) => setTimeout(resolve, 200))
          expect(publishes.map((p) => JSON.parse(p).event)).toEqual(['opened', 'closed'])
        } finally {
          monitor.disconnect()
        }
      })
    }
  })
}
