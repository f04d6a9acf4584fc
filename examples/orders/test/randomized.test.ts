import { randomUUID } from 'node:crypto'
import { ORIGIN_HEADER } from '@pattern-stack/sync-protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedIfEmpty } from '../server/seed.js'
import { databaseKinds } from './databases.js'
import { api, BroadcastWatcher, startServer, type TestServer, testOriginToken } from './harness.js'

const kinds = await databaseKinds()
const REQUESTS = 500
const CONCURRENCY = 4

/** Seeded PRNG (mulberry32) so a failure can be replayed with the printed seed. */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Planned {
  method: string
  path: string
  body?: unknown
  raw?: string
}

/**
 * 500 mixed valid and invalid requests, 4 at a time, each with its own X-Broadcast-Origin. After
 * them: SystemEvents added == successful mutations, every success produced exactly one broadcast
 * (found by its origin) and every failure none.
 */
describe.each(kinds)('randomized mixed requests on %s', (kind) => {
  let server: TestServer
  let watcher: BroadcastWatcher

  beforeAll(async () => {
    server = await startServer(kind)
    await seedIfEmpty(server.database.db)
    watcher = await BroadcastWatcher.open(server.wsUrl, ['order', 'contact'])
  })
  afterAll(async () => {
    watcher?.close()
    await server?.close()
  })

  it(`${REQUESTS} requests: one SystemEvent and one broadcast per success, none per failure`, async () => {
    const seed = Number(process.env.RANDOM_SEED ?? Date.now() % 1_000_000)
    console.log(`randomized run on ${kind}: RANDOM_SEED=${seed}`)
    const random = prng(seed)
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
    const menu = (await api(server.baseUrl, 'GET', '/menu')).body as { id: string }[]
    const orderIds: string[] = (await api(server.baseUrl, 'GET', '/orders')).body.map(
      (o: { id: string }) => o.id,
    )
    const itemIds: [string, string][] = []
    const contactIds: string[] = []
    const versions = new Map<string, number>()
    const states = ['draft', 'submitted', 'preparing', 'ready', 'served', 'cancelled', 'flying']

    const someOrder = () => (orderIds.length > 0 && random() < 0.9 ? pick(orderIds) : randomUUID())
    const plan = (): Planned => {
      const r = random()
      const id = someOrder()
      if (r < 0.14)
        return {
          method: 'POST',
          path: '/orders',
          body: pick<unknown>([
            {},
            { notes: 'n' },
            { id: random() < 0.2 && orderIds.length ? pick(orderIds) : randomUUID() },
            { items: [{ menu_item_id: pick(menu).id, quantity: 2 }] },
            { notes: 7 },
            { bogus: true },
          ]),
        }
      if (r < 0.4)
        return {
          method: 'POST',
          path: `/orders/${id}/items`,
          body: pick<unknown>([
            { menu_item_id: pick(menu).id, quantity: 1 + Math.floor(random() * 3) },
            { name: 'x', quantity: 1, unit_price: 120 },
            { name: 'x', quantity: 0, unit_price: 1 },
            { menu_item_id: randomUUID(), quantity: 1 },
            { name: 'x', quantity: 1 },
            { quantity: 'many' },
          ]),
        }
      if (r < 0.5) {
        const pair = itemIds.length && random() < 0.8 ? pick(itemIds) : [id, randomUUID()]
        return { method: 'DELETE', path: `/orders/${pair[0]}/items/${pair[1]}` }
      }
      if (r < 0.62)
        return {
          method: 'PATCH',
          path: `/orders/${id}`,
          body: pick<unknown>([
            { version: versions.get(id) ?? 1, notes: 'p' },
            { version: 1, notes: 'q' },
            { version: versions.get(id) ?? 1 },
            { version: 'x' },
            { notes: 'no version' },
          ]),
        }
      if (r < 0.78) return { method: 'POST', path: `/orders/${id}/transition`, body: { to: pick(states) } }
      if (r < 0.83) return { method: 'DELETE', path: `/orders/${id}` }
      if (r < 0.9)
        return {
          method: 'POST',
          path: '/contacts',
          body: pick<unknown>([{ name: 'C' }, { name: '' }, { name: 'D', email: 'bad' }]),
        }
      if (r < 0.94)
        return {
          method: 'PATCH',
          path: `/contacts/${contactIds.length ? pick(contactIds) : randomUUID()}`,
          body: { phone: '1' },
        }
      if (r < 0.97) return { method: 'POST', path: '/orders', raw: '{"broken": ' }
      return { method: 'GET', path: pick([`/orders/${id}`, '/orders?status=draft', '/orders/not-a-uuid']) }
    }

    await watcher.reset(server.backend)
    const eventsBefore = await server.systemEventCount()
    const successes: string[] = []
    const failures: string[] = []
    let next = 0
    const worker = async () => {
      while (next < REQUESTS) {
        const n = next++
        const origin = `req-${n}`
        const request = plan()
        const response = await api(server.baseUrl, request.method, request.path, {
          ...(request.body !== undefined ? { body: request.body } : {}),
          ...(request.raw !== undefined ? { raw: request.raw } : {}),
          headers: { [ORIGIN_HEADER]: testOriginToken(origin) },
        })
        expect(response.status, `${request.method} ${request.path} ${response.text}`).toBeLessThan(500)
        if (request.method === 'GET') continue
        if (response.status < 300) {
          successes.push(origin)
          const body = response.body
          if (request.path === '/orders' && body?.id) orderIds.push(body.id)
          if (request.path === '/contacts' && body?.id) contactIds.push(body.id)
          if (body?.order_id) itemIds.push([body.order_id, body.id])
          if (body?.version && body.items) versions.set(body.id, body.version)
        } else {
          expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
          failures.push(origin)
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))

    const events = await watcher.settle(server.backend, 'order')
    const byOrigin = new Map<string, number>()
    for (const event of events)
      byOrigin.set(String(event.origin), (byOrigin.get(String(event.origin)) ?? 0) + 1)

    expect(successes.length).toBeGreaterThan(50)
    expect(failures.length).toBeGreaterThan(50)
    expect(await server.systemEventCount()).toBe(eventsBefore + successes.length)
    expect(events).toHaveLength(successes.length)
    expect(successes.filter((origin) => byOrigin.get(origin) !== 1)).toEqual([])
    expect(failures.filter((origin) => byOrigin.has(origin))).toEqual([])
    expect(
      events.every((e) => typeof e.payload.entity_id === 'string' && e.payload.entity_id.length > 0),
    ).toBe(true)

    // Every broadcast is one the OpenAPI document declares for its channel.
    const doc = (await api(server.baseUrl, 'GET', '/openapi.json')).body
    const declared = new Set<string>()
    for (const item of Object.values(doc.paths) as {
      'x-sync'?: { broadcast: { channel: string; events: string[] } }
    }[]) {
      const sync = item['x-sync']
      for (const event of sync?.broadcast.events ?? []) declared.add(`${sync?.broadcast.channel}/${event}`)
    }
    expect(events.filter((e) => !declared.has(`${e.channel}/${e.event}`))).toEqual([])
    const seen = [...new Set(events.map((e) => `${e.channel}/${e.event}`))].sort()
    console.log(
      `${successes.length} successes, ${failures.length} failures; broadcasts seen: ${seen.join(' ')}`,
    )
  })
})
