import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseKinds } from './databases.js'
import { api, BroadcastWatcher, startServer, type TestServer } from './harness.js'

const kinds = await databaseKinds()

describe.each(kinds)('optimistic locking and client-generated ids on %s', (kind) => {
  let server: TestServer
  let watcher: BroadcastWatcher

  beforeAll(async () => {
    server = await startServer(kind)
    watcher = await BroadcastWatcher.open(server.wsUrl, ['order', 'contact'])
  })
  afterAll(async () => {
    watcher?.close()
    await server?.close()
  })

  it('a PATCH with a stale version gets 409 with the current version and changes nothing', async () => {
    const order = (await api(server.baseUrl, 'POST', '/orders', { body: { notes: 'v1' } })).body
    expect(
      (await api(server.baseUrl, 'PATCH', `/orders/${order.id}`, { body: { version: 1, notes: 'v2' } })).body
        .version,
    ).toBe(2)
    await watcher.reset(server.backend)
    const before = await server.systemEventCount()

    const stale = await api(server.baseUrl, 'PATCH', `/orders/${order.id}`, {
      body: { version: 1, notes: 'lost' },
    })
    expect(stale.status).toBe(409)
    expect(stale.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(stale.body).toMatchObject({ status: 409, type: '/problems/version-conflict', current_version: 2 })
    expect(stale.body.detail).toContain('version 2, not 1')
    expect((await api(server.baseUrl, 'GET', `/orders/${order.id}`)).body).toMatchObject({
      notes: 'v2',
      version: 2,
    })
    expect(await server.systemEventCount()).toBe(before)
    expect(await watcher.settle(server.backend, 'order')).toEqual([])
  })

  it('of concurrent PATCHes with the same version exactly one wins', async () => {
    const order = (await api(server.baseUrl, 'POST', '/orders', { body: {} })).body
    await watcher.reset(server.backend)
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api(server.baseUrl, 'PATCH', `/orders/${order.id}`, { body: { version: 1, notes: `writer ${i}` } }),
      ),
    )
    const winners = results.filter((r) => r.status === 200)
    expect(winners).toHaveLength(1)
    expect(results.filter((r) => r.status === 409).every((r) => r.body.current_version === 2)).toBe(true)
    expect(results.filter((r) => r.status === 409)).toHaveLength(5)
    const final = (await api(server.baseUrl, 'GET', `/orders/${order.id}`)).body
    expect(final).toMatchObject({ version: 2, notes: winners[0]?.body.notes })
    expect((await watcher.settle(server.backend, 'order')).map((e) => e.event)).toEqual(['updated'])
  })

  it('a transition with a stale version gets 409; every item change bumps the version', async () => {
    const order = (await api(server.baseUrl, 'POST', '/orders', { body: {} })).body
    await api(server.baseUrl, 'POST', `/orders/${order.id}/items`, {
      body: { name: 'a', quantity: 1, unit_price: 5 },
    })
    const stale = await api(server.baseUrl, 'POST', `/orders/${order.id}/transition`, {
      body: { to: 'submitted', version: 1 },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.current_version).toBe(2)
    const fresh = await api(server.baseUrl, 'POST', `/orders/${order.id}/transition`, {
      body: { to: 'submitted', version: 2 },
    })
    expect(fresh.body).toMatchObject({ status: 'submitted', version: 3 })
  })

  it('keeps a client-supplied order id and refuses a duplicate with 409', async () => {
    const id = randomUUID()
    const first = await api(server.baseUrl, 'POST', '/orders', { body: { id, notes: 'first' } })
    expect(first.status).toBe(201)
    expect(first.body.id).toBe(id)
    await watcher.reset(server.backend)
    const before = await server.systemEventCount()
    const again = await api(server.baseUrl, 'POST', '/orders', { body: { id, notes: 'second' } })
    expect(again.status).toBe(409)
    expect(again.body).toMatchObject({
      type: '/problems/duplicate-id',
      errors: [{ field: 'id', in: 'body' }],
    })
    expect((await api(server.baseUrl, 'GET', `/orders/${id}`)).body.notes).toBe('first')
    expect(await server.systemEventCount()).toBe(before)
    expect(await watcher.settle(server.backend, 'order')).toEqual([])
  })

  it('of concurrent creates with one client id exactly one succeeds', async () => {
    const id = randomUUID()
    await watcher.reset(server.backend)
    const results = await Promise.all(
      Array.from({ length: 6 }, () => api(server.baseUrl, 'POST', '/orders', { body: { id } })),
    )
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409])
    expect(
      (await watcher.settle(server.backend, 'order')).map((e) => [e.event, e.payload.entity_id]),
    ).toEqual([['created', id]])
  })

  it('keeps client-supplied item ids and refuses one already used (in any order) with 409', async () => {
    const a = (await api(server.baseUrl, 'POST', '/orders', { body: {} })).body
    const b = (await api(server.baseUrl, 'POST', '/orders', { body: {} })).body
    const itemId = randomUUID()
    const added = await api(server.baseUrl, 'POST', `/orders/${a.id}/items`, {
      body: { id: itemId, name: 'x', quantity: 1, unit_price: 1 },
    })
    expect(added.body.id).toBe(itemId)
    const dupSameOrder = await api(server.baseUrl, 'POST', `/orders/${a.id}/items`, {
      body: { id: itemId, name: 'y', quantity: 1, unit_price: 1 },
    })
    const dupOtherOrder = await api(server.baseUrl, 'POST', `/orders/${b.id}/items`, {
      body: { id: itemId, name: 'y', quantity: 1, unit_price: 1 },
    })
    expect([dupSameOrder.status, dupOtherOrder.status]).toEqual([409, 409])
    expect((await api(server.baseUrl, 'GET', `/orders/${b.id}`)).body).toMatchObject({
      items: [],
      version: 1,
      total: 0,
    })
  })

  it('a contact with a duplicate client id gets 409', async () => {
    const id = randomUUID()
    expect((await api(server.baseUrl, 'POST', '/contacts', { body: { id, name: 'A' } })).status).toBe(201)
    expect((await api(server.baseUrl, 'POST', '/contacts', { body: { id, name: 'B' } })).status).toBe(409)
  })
})
