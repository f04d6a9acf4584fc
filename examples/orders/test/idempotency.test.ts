import { createHash } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { idempotencyKeys } from '../server/db/schema.js'
import { databaseKinds } from './databases.js'
import { api, BroadcastWatcher, startServer, type TestServer } from './harness.js'

const kinds = await databaseKinds()
let keys = 0
const newKey = () => `key-${Date.now()}-${++keys}`

describe.each(kinds)('Idempotency-Key on %s', (kind) => {
  let server: TestServer
  let watcher: BroadcastWatcher

  beforeAll(async () => {
    // faults on: a delayed first request keeps its key "in progress" for the concurrency case.
    server = await startServer(kind, { faults: true })
    watcher = await BroadcastWatcher.open(server.wsUrl, ['order'])
  })
  afterAll(async () => {
    watcher?.close()
    await server?.close()
  })

  const countOrders = async () => (await api(server.baseUrl, 'GET', '/orders')).body.length as number

  it('replays the first response (status and body) and makes the change once', async () => {
    const key = newKey()
    await watcher.reset(server.backend)
    const ordersBefore = await countOrders()
    const eventsBefore = await server.systemEventCount()
    const first = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'once' },
      headers: { 'Idempotency-Key': key },
    })
    const second = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'once' },
      headers: { 'Idempotency-Key': key },
    })
    expect(first.status).toBe(201)
    expect(second.status).toBe(201)
    expect(second.text).toBe(first.text)
    expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'))
    expect(second.headers.get('idempotent-replayed')).toBe('true')
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    expect(await countOrders()).toBe(ordersBefore + 1)
    expect(await server.systemEventCount()).toBe(eventsBefore + 1)
    expect((await watcher.settle(server.backend, 'order')).map((e) => e.event)).toEqual(['created'])
  })

  it('treats the body by value: key order does not matter', async () => {
    const key = newKey()
    const order = (await api(server.baseUrl, 'POST', '/orders', { body: {} })).body
    const path = `/orders/${order.id}/items`
    const first = await api(server.baseUrl, 'POST', path, {
      raw: '{"name":"a","quantity":1,"unit_price":3}',
      headers: { 'Idempotency-Key': key },
    })
    const second = await api(server.baseUrl, 'POST', path, {
      raw: '{"unit_price":3,"quantity":1,"name":"a"}',
      headers: { 'Idempotency-Key': key },
    })
    expect(second.status).toBe(201)
    expect(second.body.id).toBe(first.body.id)
    expect((await api(server.baseUrl, 'GET', `/orders/${order.id}`)).body.items).toHaveLength(1)
  })

  it('the same key with a different body (or path) gets 422 and changes nothing', async () => {
    const key = newKey()
    await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'a' },
      headers: { 'Idempotency-Key': key },
    })
    const ordersBefore = await countOrders()
    const eventsBefore = await server.systemEventCount()
    const other = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'b' },
      headers: { 'Idempotency-Key': key },
    })
    expect(other.status).toBe(422)
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(other.body).toMatchObject({
      type: '/problems/idempotency-key-reused',
      errors: [{ field: 'Idempotency-Key', in: 'header' }],
    })
    const otherPath = await api(server.baseUrl, 'POST', '/contacts', {
      body: { name: 'x' },
      headers: { 'Idempotency-Key': key },
    })
    expect(otherPath.status).toBe(422)
    expect(await countOrders()).toBe(ordersBefore)
    expect(await server.systemEventCount()).toBe(eventsBefore)
  })

  it('a duplicate while the first is still running gets 409; the change happens once', async () => {
    const key = newKey()
    await watcher.reset(server.backend)
    const ordersBefore = await countOrders()
    const slow = api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'slow' },
      headers: { 'Idempotency-Key': key, 'X-Test-Fault': 'delay=400' },
    })
    await new Promise((r) => setTimeout(r, 150))
    const duplicate = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'slow' },
      headers: { 'Idempotency-Key': key, 'X-Test-Fault': 'delay=400' },
    })
    expect(duplicate.status).toBe(409)
    expect(duplicate.body.type).toBe('/problems/idempotency-in-progress')
    expect((await slow).status).toBe(201)
    const replay = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'slow' },
      headers: { 'Idempotency-Key': key },
    })
    expect(replay.status).toBe(201)
    expect(replay.body.id).toBe((await slow).body.id)
    expect(await countOrders()).toBe(ordersBefore + 1)
    expect((await watcher.settle(server.backend, 'order')).map((e) => e.event)).toEqual(['created'])
  })

  it('of a burst of identical requests with one key, the change happens exactly once', async () => {
    const key = newKey()
    await watcher.reset(server.backend)
    const ordersBefore = await countOrders()
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        api(server.baseUrl, 'POST', '/orders', {
          body: { notes: 'burst' },
          headers: { 'Idempotency-Key': key },
        }),
      ),
    )
    const created = results.filter((r) => r.status === 201)
    expect(created.length).toBeGreaterThanOrEqual(1)
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true)
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1)
    expect(await countOrders()).toBe(ordersBefore + 1)
    expect((await watcher.settle(server.backend, 'order')).map((e) => e.event)).toEqual(['created'])
  })

  it('replays error responses too, but a request refused by validation reserves nothing', async () => {
    const key = newKey()
    const invalid = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 5 },
      headers: { 'Idempotency-Key': key },
    })
    expect(invalid.status).toBe(400)
    const valid = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'ok' },
      headers: { 'Idempotency-Key': key },
    })
    expect(valid.status).toBe(201)

    const key2 = newKey()
    const missing = '00000000-0000-4000-8000-000000000000'
    const first = await api(server.baseUrl, 'POST', `/orders/${missing}/items`, {
      body: { name: 'a', quantity: 1, unit_price: 1 },
      headers: { 'Idempotency-Key': key2 },
    })
    expect(first.status).toBe(404)
    const again = await api(server.baseUrl, 'POST', `/orders/${missing}/items`, {
      body: { name: 'a', quantity: 1, unit_price: 1 },
      headers: { 'Idempotency-Key': key2 },
    })
    expect(again.status).toBe(404)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
  })

  it('frees the key after a server failure (5xx), so a retry runs', async () => {
    const key = newKey()
    const failed = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'retry me' },
      headers: { 'Idempotency-Key': key, 'X-Test-Fault': 'fail=503' },
    })
    expect(failed.status).toBe(503)
    const retry = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'retry me' },
      headers: { 'Idempotency-Key': key },
    })
    expect(retry.status).toBe(201)
    expect(retry.headers.get('idempotent-replayed')).toBeNull()
  })

  it('a reservation abandoned by a crashed process is taken over after the lease, not refused for a day', async () => {
    const key = newKey()
    const body = { notes: 'after a crash' }
    // What a process that died between reserving the key and storing the response leaves behind.
    const hash = createHash('sha256')
      .update(`POST /orders\n${JSON.stringify(body)}`)
      .digest('hex')
    await server.database.db.execute(
      sql`insert into idempotency_keys (key, request_hash, created_at) values (${key}, ${hash}, now())`,
    )
    const fresh = await api(server.baseUrl, 'POST', '/orders', { body, headers: { 'Idempotency-Key': key } })
    expect(fresh.status).toBe(409) // within the lease it may still be running
    expect(fresh.body.type).toBe('/problems/idempotency-in-progress')
    expect(fresh.headers.get('retry-after')).toBe('1')
    await server.database.db.execute(
      sql`update idempotency_keys set created_at = now() - interval '31 seconds' where key = ${key}`,
    )
    const ordersBefore = await countOrders()
    const retried = await api(server.baseUrl, 'POST', '/orders', {
      body,
      headers: { 'Idempotency-Key': key },
    })
    expect(retried.status).toBe(201)
    expect(retried.body.notes).toBe('after a crash')
    const replay = await api(server.baseUrl, 'POST', '/orders', { body, headers: { 'Idempotency-Key': key } })
    expect(replay.headers.get('idempotent-replayed')).toBe('true')
    expect(replay.body.id).toBe(retried.body.id)
    expect(await countOrders()).toBe(ordersBefore + 1)
  })

  it('replays for 24 hours, then the key is free again', async () => {
    const key = newKey()
    const first = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'day' },
      headers: { 'Idempotency-Key': key },
    })
    await server.database.db.execute(
      sql`update idempotency_keys set created_at = now() - interval '23 hours 59 minutes' where key = ${key}`,
    )
    const within = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'day' },
      headers: { 'Idempotency-Key': key },
    })
    expect(within.body.id).toBe(first.body.id)
    await server.database.db.execute(
      sql`update idempotency_keys set created_at = now() - interval '24 hours 1 minute' where key = ${key}`,
    )
    const after = await api(server.baseUrl, 'POST', '/orders', {
      body: { notes: 'day' },
      headers: { 'Idempotency-Key': key },
    })
    expect(after.status).toBe(201)
    expect(after.body.id).not.toBe(first.body.id)
  })

  it('refuses a malformed key with 400 naming the header', async () => {
    const response = await api(server.baseUrl, 'POST', '/orders', {
      body: {},
      headers: { 'Idempotency-Key': 'has space' },
    })
    expect(response.status).toBe(400)
    expect(response.body.errors[0]).toMatchObject({ field: 'idempotency-key', in: 'header' })
  })

  it('junk keys add nothing (issue 17 item 5): unknown routes, routes without keys, invalid keys', async () => {
    const stored = async () => {
      const [row] = await server.database.db.select({ n: sql<number>`count(*)::int` }).from(idempotencyKeys)
      return row?.n ?? 0
    }
    const before = await stored()
    for (let i = 0; i < 300; i++) {
      const response = await api(server.baseUrl, 'POST', '/no-such-route', {
        body: {},
        headers: { 'Idempotency-Key': newKey() },
      })
      expect(response.status).toBe(404)
    }
    // Routes that do not declare the header ignore it: GET, PATCH, DELETE.
    expect(
      (await api(server.baseUrl, 'GET', '/orders', { headers: { 'Idempotency-Key': newKey() } })).status,
    ).toBe(200)
    for (const key of ['x'.repeat(8000), 'has space']) {
      for (const path of ['/no-such-route', '/orders']) {
        const response = await api(server.baseUrl, 'POST', path, {
          body: {},
          headers: { 'Idempotency-Key': key },
        })
        expect(response.status, `${path} with a ${key.length}-character key`).toBeLessThan(500)
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      }
    }
    expect(await stored()).toBe(before)
  })
})
