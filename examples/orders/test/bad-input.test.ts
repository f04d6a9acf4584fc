import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseKinds } from './databases.js'
import { api, BroadcastWatcher, startServer, type TestServer } from './harness.js'

const kinds = await databaseKinds()

/**
 * Bad input gets 400/404/422 as application/problem+json naming the field, and changes nothing:
 * no row, no SystemEvent, no broadcast.
 */
describe.each(kinds)('bad input on %s', (kind) => {
  let server: TestServer
  let watcher: BroadcastWatcher
  let draft: { id: string; version: number }

  beforeAll(async () => {
    server = await startServer(kind)
    watcher = await BroadcastWatcher.open(server.wsUrl, ['order', 'contact'])
    draft = (await api(server.baseUrl, 'POST', '/orders', { body: { notes: 'x' } })).body
  })
  afterAll(async () => {
    watcher?.close()
    await server?.close()
  })

  const missing = randomUUID()
  const cases: {
    name: string
    method: string
    path: (id: string) => string
    body?: unknown
    raw?: string
    headers?: Record<string, string>
    status: number
    field?: string
    detail?: RegExp
  }[] = [
    {
      name: 'malformed JSON',
      method: 'POST',
      path: () => '/orders',
      raw: '{"notes": ',
      status: 400,
      field: 'body',
      detail: /not valid JSON/,
    },
    {
      name: 'wrong type',
      method: 'POST',
      path: (id) => `/orders/${id}/items`,
      body: { name: 'a', quantity: '2', unit_price: 1 },
      status: 400,
      field: 'quantity',
      detail: /quantity must be integer/,
    },
    {
      name: 'unknown field',
      method: 'POST',
      path: () => '/orders',
      body: { notes: 'a', colour: 'red' },
      status: 400,
      field: 'colour',
      detail: /colour is not a known field/,
    },
    {
      name: 'status in PATCH',
      method: 'PATCH',
      path: (id) => `/orders/${id}`,
      body: { version: 1, status: 'served' },
      status: 400,
      field: 'status',
    },
    {
      name: 'non-UUID order id',
      method: 'GET',
      path: () => '/orders/123',
      status: 400,
      field: 'id',
      detail: /path id must match format "uuid"/,
    },
    {
      name: 'non-UUID order id on a mutation',
      method: 'POST',
      path: () => '/orders/nope/items',
      body: { name: 'a', quantity: 1, unit_price: 1 },
      status: 400,
      field: 'id',
    },
    {
      name: 'non-UUID client id',
      method: 'POST',
      path: () => '/orders',
      body: { id: 'abc' },
      status: 400,
      field: 'id',
    },
    {
      name: 'quantity 0',
      method: 'POST',
      path: (id) => `/orders/${id}/items`,
      body: { name: 'a', quantity: 0, unit_price: 1 },
      status: 400,
      field: 'quantity',
      detail: /quantity must be >= 1/,
    },
    {
      name: 'negative quantity',
      method: 'POST',
      path: (id) => `/orders/${id}/items`,
      body: { name: 'a', quantity: -3, unit_price: 1 },
      status: 400,
      field: 'quantity',
    },
    {
      name: 'quantity 0 inside create',
      method: 'POST',
      path: () => '/orders',
      body: { items: [{ name: 'a', quantity: 0, unit_price: 1 }] },
      status: 400,
      field: 'items/0/quantity',
    },
    {
      name: 'missing version',
      method: 'PATCH',
      path: (id) => `/orders/${id}`,
      body: { notes: 'n' },
      status: 400,
      field: 'version',
      detail: /version is required/,
    },
    {
      name: 'unknown status',
      method: 'POST',
      path: (id) => `/orders/${id}/transition`,
      body: { to: 'flying' },
      status: 400,
      field: 'to',
      detail: /must be one of draft, submitted/,
    },
    {
      name: 'unknown status filter',
      method: 'GET',
      path: () => '/orders?status=flying',
      status: 400,
      field: 'status',
    },
    { name: 'no body', method: 'POST', path: (id) => `/orders/${id}/transition`, status: 400 },
    {
      name: 'unknown order',
      method: 'POST',
      path: () => `/orders/${missing}/items`,
      body: { name: 'a', quantity: 1, unit_price: 1 },
      status: 404,
      detail: new RegExp(`order ${missing} does not exist`),
    },
    {
      name: 'unknown order on PATCH',
      method: 'PATCH',
      path: () => `/orders/${missing}`,
      body: { version: 1, notes: 'x' },
      status: 404,
    },
    { name: 'unknown order on DELETE', method: 'DELETE', path: () => `/orders/${missing}`, status: 404 },
    {
      name: 'unknown order on transition',
      method: 'POST',
      path: () => `/orders/${missing}/transition`,
      body: { to: 'submitted' },
      status: 404,
    },
    {
      name: 'unknown item',
      method: 'DELETE',
      path: (id) => `/orders/${id}/items/${missing}`,
      status: 404,
      detail: new RegExp(missing),
    },
    {
      name: 'unknown menu item',
      method: 'POST',
      path: (id) => `/orders/${id}/items`,
      body: { menu_item_id: missing, quantity: 1 },
      status: 422,
      field: 'menu_item_id',
    },
    {
      name: 'item without price',
      method: 'POST',
      path: (id) => `/orders/${id}/items`,
      body: { name: 'a', quantity: 1 },
      status: 422,
      field: 'unit_price',
    },
    {
      name: 'unknown contact',
      method: 'POST',
      path: () => '/orders',
      body: { contact_id: missing },
      status: 422,
      field: 'contact_id',
    },
    {
      name: 'empty update',
      method: 'PATCH',
      path: (id) => `/orders/${id}`,
      body: { version: 1 },
      status: 422,
    },
    {
      name: 'bad email',
      method: 'POST',
      path: () => '/contacts',
      body: { name: 'a', email: 'not-an-email' },
      status: 400,
      field: 'email',
    },
    {
      name: 'empty contact name',
      method: 'POST',
      path: () => '/contacts',
      body: { name: '' },
      status: 400,
      field: 'name',
    },
    {
      name: 'oversized origin header',
      method: 'POST',
      path: () => '/orders',
      body: {},
      headers: { 'X-Broadcast-Origin': 'x'.repeat(200) },
      status: 400,
      field: 'x-broadcast-origin',
    },
    { name: 'unknown route', method: 'POST', path: () => '/nope', body: {}, status: 404 },
    {
      name: 'text body',
      method: 'POST',
      path: () => '/orders',
      raw: 'hello',
      headers: { 'content-type': 'text/plain' },
      status: 415,
    },
  ]

  it.each(cases)('$name → $status problem+json, nothing written or broadcast', async (c) => {
    await watcher.reset(server.backend)
    const eventsBefore = await server.systemEventCount()
    const ordersBefore = (await api(server.baseUrl, 'GET', '/orders')).text
    const response = await api(server.baseUrl, c.method, c.path(draft.id), {
      ...(c.body !== undefined ? { body: c.body } : {}),
      ...(c.raw !== undefined ? { raw: c.raw } : {}),
      ...(c.headers ? { headers: c.headers } : {}),
    })
    expect(response.status).toBe(c.status)
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(response.body).toMatchObject({
      type: expect.any(String),
      title: expect.any(String),
      status: c.status,
      detail: expect.any(String),
    })
    if (c.field) expect(response.body.errors?.map((e: { field: string }) => e.field)).toContain(c.field)
    if (c.detail) expect(response.body.detail).toMatch(c.detail)
    expect(await server.systemEventCount()).toBe(eventsBefore)
    expect((await api(server.baseUrl, 'GET', '/orders')).text).toBe(ordersBefore)
    expect(await watcher.settle(server.backend, 'order')).toEqual([])
  })
})
