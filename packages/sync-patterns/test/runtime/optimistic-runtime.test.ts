import { QueryClient } from '@tanstack/query-core'
import { describe, expect, it } from 'vitest'
import {
  ApiError,
  addChildPatch,
  buildPath,
  buildQuery,
  createEntityPatch,
  deleteEntityPatch,
  entityKeys,
  getSyncClient,
  isRetryable,
  listQueryKey,
  parseRetryAfter,
  pickFields,
  updateEntityPatch,
} from '../../src/runtime/core/index.js'

// The runtime pieces the generated hooks call, on a real QueryClient. "Server" data arrives through
// real fetches (fetchQuery with a query function), the way a refetch lands in an app.

const orders = { root: 'orders' }

function serverFetch(client: QueryClient, queryKey: unknown[], data: unknown) {
  return client.fetchQuery({ queryKey, queryFn: async () => data, staleTime: 0 })
}

describe('entity patches', () => {
  it('a created entity joins only the lists whose filters it matches, once per id', () => {
    const patch = createEntityPatch(orders, { id: 'n', status: 'draft' })
    const rows = [{ id: 'a', status: 'draft' }]
    expect(patch.apply(rows, ['orders'])).toEqual([...rows, { id: 'n', status: 'draft' }])
    expect(patch.apply(rows, ['orders', { status: 'ready' }])).toBe(rows)
    expect(patch.apply(rows, ['orders', { status: 'draft', limit: 10 }])).toHaveLength(2)
    // Already in the server's list (the create landed): merged, not added twice.
    const landed = [{ id: 'n', status: 'draft', total: 5 }]
    expect(patch.apply(landed, ['orders'])).toEqual([{ id: 'n', status: 'draft', total: 5 }])
    expect(patch.apply(undefined, ['orders', 'n'])).toEqual({ id: 'n', status: 'draft' })
  })

  it('list envelopes are patched through their array property', () => {
    const patch = updateEntityPatch({ root: 'tickets', listField: 'items' }, 7, { title: 'new' })
    const page = {
      items: [
        { id: 7, title: 'old' },
        { id: 8, title: 'other' },
      ],
      total: 2,
    }
    expect(patch.apply(page, ['tickets'])).toEqual({
      items: [
        { id: 7, title: 'new' },
        { id: 8, title: 'other' },
      ],
      total: 2,
    })
  })

  it('create, update and delete patch inside envelopes, one level deep too, keeping the other fields', () => {
    const flat = { root: 'projects', listField: 'projects' }
    const page = { projects: [{ id: 1, name: 'a' }], links: { next: 'p2' }, meta: { total: 1 } }
    expect(createEntityPatch(flat, { id: 2, name: 'b' }).apply(page, ['projects'])).toEqual({
      projects: [
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
      ],
      links: { next: 'p2' },
      meta: { total: 1 },
    })
    expect(deleteEntityPatch(flat, 1).apply(page, ['projects'])).toEqual({ ...page, projects: [] })

    const nested = { root: 'tasks', listField: 'data.items' }
    const cursorPage = { data: { items: [{ id: 'x', done: false }], cursor: 'c1' }, ok: true }
    expect(updateEntityPatch(nested, 'x', { done: true }).apply(cursorPage, ['tasks'])).toEqual({
      data: { items: [{ id: 'x', done: true }], cursor: 'c1' },
      ok: true,
    })
    expect(createEntityPatch(nested, { id: 'y', done: false }).apply(cursorPage, ['tasks'])).toEqual({
      data: {
        items: [
          { id: 'x', done: false },
          { id: 'y', done: false },
        ],
        cursor: 'c1',
      },
      ok: true,
    })
    expect(deleteEntityPatch(nested, 'x').apply(cursorPage, ['tasks'])).toEqual({
      data: { items: [], cursor: 'c1' },
      ok: true,
    })
    // Data of another shape passes through untouched.
    const other = { data: null, ok: false }
    expect(deleteEntityPatch(nested, 'x').apply(other, ['tasks'])).toBe(other)
  })

  it('detail envelopes ({ project: {...}, links }) are patched inside, and a create seeds one', () => {
    const shape = { root: 'projects', listField: 'projects', detailField: 'project' }
    const detail = { project: { id: 1, name: 'a', items: [] }, links: { self: '/projects/1' } }
    expect(updateEntityPatch(shape, 1, { name: 'b' }).apply(detail, ['projects', 1])).toEqual({
      project: { id: 1, name: 'b', items: [] },
      links: { self: '/projects/1' },
    })
    const child = addChildPatch(shape, { parentId: 1, field: 'items' }, { id: 'i' })
    expect(child.apply(detail, ['projects', 1])).toEqual({
      project: { id: 1, name: 'a', items: [{ id: 'i' }] },
      links: { self: '/projects/1' },
    })
    expect(createEntityPatch(shape, { id: 2, name: 'c' }).apply(undefined, ['projects', 2])).toEqual({
      project: { id: 2, name: 'c' },
    })
  })

  it('a child is appended to its parent in the detail and in list entries', () => {
    const patch = addChildPatch(orders, { parentId: 'o', field: 'items' }, { id: 'i2' })
    const order = { id: 'o', items: [{ id: 'i1' }] }
    expect(patch.apply(order, ['orders', 'o'])).toEqual({ id: 'o', items: [{ id: 'i1' }, { id: 'i2' }] })
    expect(patch.apply([order, { id: 'x', items: [] }], ['orders'])).toEqual([
      { id: 'o', items: [{ id: 'i1' }, { id: 'i2' }] },
      { id: 'x', items: [] },
    ])
    expect(patch.matches(['orders', 'x'])).toBe(false)
  })
})

describe('OptimisticRegistry', () => {
  it('rebases pending changes onto each fetch, removes a failed one alone, folds a confirmed one', async () => {
    const client = new QueryClient()
    const registry = getSyncClient(client).optimistic
    const key = ['orders', 'o']
    await serverFetch(client, key, { id: 'o', notes: 'a', items: [] })
    const notes = registry.add(updateEntityPatch(orders, 'o', { notes: 'mine' }))
    const item = registry.add(addChildPatch(orders, { parentId: 'o', field: 'items' }, { id: 'i' }))
    expect(client.getQueryData(key)).toEqual({ id: 'o', notes: 'mine', items: [{ id: 'i' }] })

    // A refetch brings server data without either change: both are re-applied at once.
    await serverFetch(client, key, { id: 'o', notes: 'server', items: [], total: 1 })
    expect(client.getQueryData(key)).toEqual({ id: 'o', notes: 'mine', items: [{ id: 'i' }], total: 1 })

    registry.settle(notes, 'failed')
    expect(client.getQueryData(key)).toEqual({ id: 'o', notes: 'server', items: [{ id: 'i' }], total: 1 })

    // Confirmed but not refetched since: the change stays, folded into the server data.
    registry.confirm(item)
    registry.settle(item, 'confirmed')
    expect(client.getQueryData(key)).toEqual({ id: 'o', notes: 'server', items: [{ id: 'i' }], total: 1 })
    expect(registry.pendingCount).toBe(0)
  })

  it('a seeded detail whose create failed is forgotten', () => {
    const client = new QueryClient()
    const registry = getSyncClient(client).optimistic
    const id = registry.add(createEntityPatch(orders, { id: 'new' }))
    expect(client.getQueryData(['orders', 'new'])).toEqual({ id: 'new' })
    registry.settle(id, 'failed')
    expect(client.getQueryData(['orders', 'new'])).toBeUndefined()
  })

  it('keeps the server timestamp, so staleness is not reset by an optimistic write', async () => {
    const client = new QueryClient()
    await serverFetch(client, ['orders'], [])
    const before = client.getQueryState(['orders'])?.dataUpdatedAt
    await new Promise((r) => setTimeout(r, 5))
    getSyncClient(client).optimistic.add(createEntityPatch(orders, { id: 'n' }))
    expect(client.getQueryState(['orders'])?.dataUpdatedAt).toBe(before)
  })
})

describe('request helpers', () => {
  it('list keys drop undefined params', () => {
    expect(listQueryKey('orders', { status: undefined })).toEqual(['orders'])
    expect(listQueryKey('orders', { status: 'draft', q: undefined })).toEqual(['orders', { status: 'draft' }])
  })

  it("an entity's keys: all, list, detail and paths under the root, params as one last element", () => {
    const keys = entityKeys<{ status?: string }>('orders')
    expect(keys.all).toEqual(['orders'])
    expect(keys.list()).toEqual(['orders'])
    expect(keys.list({ status: 'draft' })).toEqual(['orders', { status: 'draft' }])
    expect(keys.detail('o1')).toEqual(['orders', 'o1'])
    expect(keys.path(['o1', 'items'])).toEqual(['orders', 'o1', 'items'])
    expect(keys.path(['o1', 'items'], { limit: 5, cursor: undefined })).toEqual([
      'orders',
      'o1',
      'items',
      { limit: 5 },
    ])
    expect(keys.path(['me'], { q: undefined })).toEqual(['orders', 'me'])
  })

  it('paths are percent-encoded; a missing path param is an error', () => {
    expect(buildPath('/orders/{id}/items/{item_id}', { id: 'a/b', item_id: 3 })).toBe('/orders/a%2Fb/items/3')
    expect(() => buildPath('/orders/{id}', {})).toThrow(/Missing path parameter "id"/)
  })

  it('query strings repeat array keys and skip null/undefined', () => {
    expect(buildQuery({ tag: ['a', 'b'], limit: 10, q: undefined, x: null })).toBe('?tag=a&tag=b&limit=10')
    expect(buildQuery({})).toBe('')
  })

  it('update bodies keep only the body schema fields', () => {
    expect(
      pickFields({ notes: 'n', version: 2, items: [], total: 9 }, ['notes', 'version', 'contact_id']),
    ).toEqual({
      notes: 'n',
      version: 2,
    })
  })

  it('only network errors, 5xx, 429 and responses with Retry-After are retried', () => {
    const error = (status: number, retryAfterMs?: number) =>
      new ApiError({ status, body: undefined, method: 'POST', url: '/x', retryAfterMs })
    expect(isRetryable(new TypeError('fetch failed'))).toBe(true)
    expect(isRetryable(error(503))).toBe(true)
    expect(isRetryable(error(429))).toBe(true)
    expect(isRetryable(error(409))).toBe(false)
    expect(isRetryable(error(409, 1000))).toBe(true) // Idempotency-Key still in progress
    expect(isRetryable(error(422))).toBe(false)
    expect(error(409).message).toBe('POST /x failed with 409')
  })

  it('reads Retry-After as seconds or as an HTTP date, and ignores anything else', () => {
    const now = Date.parse('2026-11-25T12:00:00Z')
    expect(parseRetryAfter('1', now)).toBe(1000)
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000)
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now)).toBe(0) // already past
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(parseRetryAfter('', now)).toBeUndefined()
  })
})
