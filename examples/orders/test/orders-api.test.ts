import { randomUUID } from 'node:crypto'
import { ORIGIN_HEADER } from '@pattern-stack/sync-protocol'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { orders } from '../server/db/schema.js'
import { databaseKinds } from './databases.js'
import { api, BroadcastWatcher, startServer, type TestServer, testOriginToken } from './harness.js'

const kinds = await databaseKinds()

describe.each(kinds)('Orders API on %s', (kind) => {
  let server: TestServer
  let watcher: BroadcastWatcher
  let menu: { id: string; name: string; price: number }[]

  beforeAll(async () => {
    server = await startServer(kind)
    watcher = await BroadcastWatcher.open(server.wsUrl, ['order', 'contact'])
    const { seedIfEmpty } = await import('../server/seed.js')
    await seedIfEmpty(server.database.db)
    menu = (await api(server.baseUrl, 'GET', '/menu')).body
  })
  afterAll(async () => {
    watcher?.close()
    await server?.close()
  })
  beforeEach(() => watcher.reset(server.backend))

  it('serves the menu without broadcasting', async () => {
    expect(menu.length).toBeGreaterThan(3)
    expect(menu[0]).toEqual({
      id: expect.any(String),
      name: expect.any(String),
      category: expect.any(String),
      price: expect.any(Number),
    })
    expect(await watcher.settle(server.backend, 'order')).toEqual([])
  })

  it('creates an order with a client-supplied id and items; total is server-computed; broadcasts created', async () => {
    const id = randomUUID()
    const espresso = menu.find((m) => m.name === 'Espresso')
    if (!espresso) throw new Error('seed has no Espresso')
    const before = await server.systemEventCount()
    const created = await api(server.baseUrl, 'POST', '/orders', {
      body: {
        id,
        notes: 'table 9',
        items: [
          { menu_item_id: espresso.id, quantity: 2 },
          { name: 'Tip', quantity: 1, unit_price: 100 },
        ],
      },
      headers: { [ORIGIN_HEADER]: testOriginToken('conn-abc') },
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      id,
      status: 'draft',
      notes: 'table 9',
      version: 1,
      total: espresso.price * 2 + 100,
    })
    expect(created.body.items.map((i: { name: string }) => i.name)).toEqual(['Espresso', 'Tip'])
    expect(await server.systemEventCount()).toBe(before + 1)
    const events = await watcher.settle(server.backend, 'order')
    expect(events).toEqual([
      {
        channel: 'order',
        event: 'created',
        payload: { entity_id: id, entity_version: 1 },
        origin: 'conn-abc',
      },
    ])
    expect((await api(server.baseUrl, 'GET', `/orders/${id}`)).body).toEqual(created.body)
  })

  it('lists items in the order they were added, also when one request adds many (PGlite clock ties)', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `line ${String.fromCharCode(108 - i)}`) // l, k, … a
    const created = await api(server.baseUrl, 'POST', '/orders', {
      body: { items: names.map((name) => ({ name, quantity: 1, unit_price: 10 })) },
    })
    expect(created.status).toBe(201)
    const added = await api(server.baseUrl, 'POST', `/orders/${created.body.id}/items`, {
      body: { name: 'added later', quantity: 1, unit_price: 10 },
    })
    expect(added.status).toBe(201)
    const order = (await api(server.baseUrl, 'GET', `/orders/${created.body.id}`)).body
    expect(order.items.map((i: { name: string }) => i.name)).toEqual([...names, 'added later'])
  })

  it('lists every order once, newest first, each as GET /orders/:id shows it (items in order, none: [])', async () => {
    const line = (name: string) => ({ name, quantity: 1, unit_price: 10 })
    const made = [[line('b'), line('a'), line('c')], [], [line('z')]]
    const ids: string[] = []
    for (const items of made)
      ids.push((await api(server.baseUrl, 'POST', '/orders', { body: { items } })).body.id)
    const listed = (await api(server.baseUrl, 'GET', '/orders')).body as {
      id: string
      created_at: string
      items: { name: string }[]
    }[]
    const [count] = await server.database.db.select({ n: sql<number>`count(*)::int` }).from(orders)
    expect(new Set(listed.map((o) => o.id)).size).toBe(count?.n)
    expect(listed.length).toBe(count?.n)
    const times = listed.map((o) => o.created_at)
    expect(times).toEqual([...times].sort().reverse())
    const single = await Promise.all(
      listed.map(async (o) => (await api(server.baseUrl, 'GET', `/orders/${o.id}`)).body),
    )
    expect(listed).toEqual(single)
    const itemsOf = (id: string) => listed.find((o) => o.id === id)?.items.map((i) => i.name)
    expect(ids.map(itemsOf)).toEqual([['b', 'a', 'c'], [], ['z']])
  })

  it('adds and removes items: total recomputed, version bumped, item_added / item_removed broadcast', async () => {
    const order = (await api(server.baseUrl, 'POST', '/orders', { body: {} })).body
    await watcher.reset(server.backend)
    const itemId = randomUUID()
    const added = await api(server.baseUrl, 'POST', `/orders/${order.id}/items`, {
      body: { id: itemId, name: 'Bagel', quantity: 3, unit_price: 275 },
    })
    expect(added.status).toBe(201)
    expect(added.body).toMatchObject({
      id: itemId,
      order_id: order.id,
      name: 'Bagel',
      quantity: 3,
      unit_price: 275,
      menu_item_id: null,
    })
    let current = (await api(server.baseUrl, 'GET', `/orders/${order.id}`)).body
    expect(current).toMatchObject({ total: 825, version: 2 })

    const removed = await api(server.baseUrl, 'DELETE', `/orders/${order.id}/items/${itemId}`)
    expect(removed.status).toBe(204)
    current = (await api(server.baseUrl, 'GET', `/orders/${order.id}`)).body
    expect(current).toMatchObject({ total: 0, version: 3, items: [] })
    const events = await watcher.settle(server.backend, 'order')
    expect(events).toEqual([
      // Each carries the order's version after it: a client already at it need not refetch.
      {
        channel: 'order',
        event: 'item_added',
        payload: { entity_id: order.id, item_id: itemId, entity_version: 2 },
      },
      {
        channel: 'order',
        event: 'item_removed',
        payload: { entity_id: order.id, item_id: itemId, entity_version: 3 },
      },
    ])
  })

  it('patches with the current version (bumps it, broadcasts updated) and lists by status', async () => {
    const order = (await api(server.baseUrl, 'POST', '/orders', { body: { notes: 'a' } })).body
    await watcher.reset(server.backend)
    const patched = await api(server.baseUrl, 'PATCH', `/orders/${order.id}`, {
      body: { version: 1, notes: 'b' },
    })
    expect(patched.status).toBe(200)
    expect(patched.body).toMatchObject({ notes: 'b', version: 2 })
    expect(await watcher.settle(server.backend, 'order')).toEqual([
      {
        channel: 'order',
        event: 'updated',
        payload: { entity_id: order.id, fields: ['notes'], entity_version: 2 },
      },
    ])
    const drafts = (await api(server.baseUrl, 'GET', '/orders?status=draft')).body as {
      id: string
      status: string
    }[]
    expect(drafts.some((o) => o.id === order.id)).toBe(true)
    expect(drafts.every((o) => o.status === 'draft')).toBe(true)
    const preparing = (await api(server.baseUrl, 'GET', '/orders?status=preparing')).body as {
      id: string
      status: string
    }[]
    expect(preparing.length).toBeGreaterThan(0)
    expect(preparing.every((o) => o.status === 'preparing')).toBe(true)
  })

  it('deletes an order: 204, deleted broadcast, then 404', async () => {
    const order = (await api(server.baseUrl, 'POST', '/orders', { body: {} })).body
    await watcher.reset(server.backend)
    expect((await api(server.baseUrl, 'DELETE', `/orders/${order.id}`)).status).toBe(204)
    expect(await watcher.settle(server.backend, 'order')).toEqual([
      { channel: 'order', event: 'deleted', payload: { entity_id: order.id } },
    ])
    const gone = await api(server.baseUrl, 'GET', `/orders/${order.id}`)
    expect(gone.status).toBe(404)
    expect(gone.headers.get('content-type')).toContain('application/problem+json')
  })

  it('walks the lifecycle with status_changed broadcasts; illegal transitions get 409 naming the allowed ones', async () => {
    const order = (await api(server.baseUrl, 'POST', '/orders', { body: {} })).body
    await watcher.reset(server.backend)
    for (const to of ['submitted', 'preparing', 'ready', 'served']) {
      const moved = await api(server.baseUrl, 'POST', `/orders/${order.id}/transition`, { body: { to } })
      expect(moved.status).toBe(200)
      expect(moved.body.status).toBe(to)
    }
    const events = await watcher.settle(server.backend, 'order')
    expect(events.map((e) => [e.event, e.payload.from, e.payload.to, e.payload.entity_version])).toEqual([
      ['status_changed', 'draft', 'submitted', 2],
      ['status_changed', 'submitted', 'preparing', 3],
      ['status_changed', 'preparing', 'ready', 4],
      ['status_changed', 'ready', 'served', 5],
    ])
    await watcher.reset(server.backend)
    const before = await server.systemEventCount()
    const refused = await api(server.baseUrl, 'POST', `/orders/${order.id}/transition`, {
      body: { to: 'cancelled' },
    })
    expect(refused.status).toBe(409)
    expect(refused.body.detail).toBe('order cannot go from "served" to "cancelled"; "served" is final')
    expect(refused.body.allowed).toEqual([])

    const draft = (await api(server.baseUrl, 'POST', '/orders', { body: {} })).body
    const skip = await api(server.baseUrl, 'POST', `/orders/${draft.id}/transition`, {
      body: { to: 'ready' },
    })
    expect(skip.status).toBe(409)
    expect(skip.body.detail).toBe(
      'order cannot go from "draft" to "ready"; allowed from "draft": submitted, cancelled',
    )
    expect(skip.body.allowed).toEqual(['submitted', 'cancelled'])
    expect(await server.systemEventCount()).toBe(before + 1) // only the create
    expect((await watcher.settle(server.backend, 'order')).map((e) => e.event)).toEqual(['created'])

    const cancelled = await api(server.baseUrl, 'POST', `/orders/${draft.id}/transition`, {
      body: { to: 'cancelled' },
    })
    expect(cancelled.body).toMatchObject({ status: 'cancelled', version: 2 })
  })

  it('refuses item changes once the order left draft', async () => {
    const order = (await api(server.baseUrl, 'POST', '/orders', { body: {} })).body
    await api(server.baseUrl, 'POST', `/orders/${order.id}/transition`, { body: { to: 'submitted' } })
    await watcher.reset(server.backend)
    const before = await server.systemEventCount()
    const refused = await api(server.baseUrl, 'POST', `/orders/${order.id}/items`, {
      body: { name: 'x', quantity: 1, unit_price: 1 },
    })
    expect(refused.status).toBe(409)
    expect(refused.body.detail).toContain('is submitted')
    expect(await server.systemEventCount()).toBe(before)
    expect(await watcher.settle(server.backend, 'order')).toEqual([])
  })

  it('contacts: CRUD with broadcasts on the contact channel; last write wins unless version is sent', async () => {
    const id = randomUUID()
    const created = await api(server.baseUrl, 'POST', '/contacts', {
      body: { id, name: 'Ada', email: 'ada@example.com' },
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ id, name: 'Ada', email: 'ada@example.com', phone: null, version: 1 })
    const lww = await api(server.baseUrl, 'PATCH', `/contacts/${id}`, { body: { phone: '123' } })
    expect(lww.body).toMatchObject({ phone: '123', version: 2 })
    const stale = await api(server.baseUrl, 'PATCH', `/contacts/${id}`, {
      body: { phone: '456', version: 1 },
    })
    expect(stale.status).toBe(409)
    expect(stale.body.current_version).toBe(2)
    expect(
      (await api(server.baseUrl, 'GET', '/contacts')).body.some((c: { id: string }) => c.id === id),
    ).toBe(true)

    const order = (await api(server.baseUrl, 'POST', '/orders', { body: { contact_id: id } })).body
    expect(order.contact_id).toBe(id)
    const inUse = await api(server.baseUrl, 'DELETE', `/contacts/${id}`)
    expect(inUse.status).toBe(409)
    await api(server.baseUrl, 'DELETE', `/orders/${order.id}`)
    expect((await api(server.baseUrl, 'DELETE', `/contacts/${id}`)).status).toBe(204)
    const events = await watcher.settle(server.backend, 'contact')
    expect(events.filter((e) => e.channel === 'contact').map((e) => e.event)).toEqual([
      'created',
      'updated',
      'deleted',
    ])
    expect(events.filter((e) => e.channel === 'contact').every((e) => e.payload.entity_id === id)).toBe(true)
  })

  it('serves a how-to at / and the OpenAPI document at /openapi.json', async () => {
    const home = await api(server.baseUrl, 'GET', '/')
    expect(home.status).toBe(200)
    expect(home.text).toContain('/openapi.json')
    const doc = await api(server.baseUrl, 'GET', '/openapi.json')
    expect(doc.body.paths['/orders']['x-sync'].broadcast.channel).toBe('order')
  })
})
