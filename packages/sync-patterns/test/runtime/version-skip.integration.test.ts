import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { BroadcastClient } from '../../src/runtime/core/broadcast-client.js'
import { type EntityCacheShape, updateEntityPatch } from '../../src/runtime/core/optimistic/entity-patches.js'
import { getSyncClient } from '../../src/runtime/core/sync-client.js'
import type { RefetchInspectEvent } from '../../src/runtime/core/sync-inspect.js'
import { type RealServer, startRealServer } from './real-server.js'

// No refetch when the cache is already current (issue 18 item 3), over real sockets and HTTP: the
// server announces each order's new version in its broadcast (`entity_version`), and a client whose
// cached order is already at that version does not GET it again. The server holds its broadcasts
// until the test releases them, so what the client has cached when one arrives is decided, not raced.

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type Order = { id: string; version: number }
const versioned: EntityCacheShape = { root: 'orders', versionField: 'version' }
const unversioned: EntityCacheShape = { root: 'orders' }

async function server(options: { announceVersions: boolean }): Promise<RealServer> {
  const s = await startRealServer(0, { ...options, holdBroadcasts: true })
  cleanups.push(() => s.close())
  return s
}

/** One client: its broadcast connection, a QueryClient with order 1's detail and the order list on screen. */
async function tab(s: RealServer, cache: EntityCacheShape) {
  const base = `http://127.0.0.1:${s.port}`
  const client = new BroadcastClient(s.url, { WebSocket, signals: false })
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 60_000 } } })
  queryClient.mount()
  const sync = getSyncClient(queryClient)
  const refetches: RefetchInspectEvent[] = []
  const stopInspect = sync.inspect((event) => {
    if (event.type === 'refetch') refetches.push(event)
  })
  const get = async (path: string) => (await fetch(`${base}${path}`)).json()
  const unsubscribes = [
    new QueryObserver(queryClient, { queryKey: ['orders', '1'], queryFn: () => get('/orders/1') }),
    new QueryObserver(queryClient, { queryKey: ['orders'], queryFn: () => get('/orders') }),
  ].map((observer) => observer.subscribe(() => {}))
  const invalidation = sync.invalidateOnBroadcast({
    client,
    channel: 'order',
    queryKeyPrefix: ['orders'],
    cache,
  })
  client.connect()
  cleanups.push(() => {
    invalidation.dispose()
    for (const unsubscribe of unsubscribes) unsubscribe()
    stopInspect()
    client.disconnect()
    queryClient.clear()
  })
  await vi.waitFor(() => expect(client.connectionId).not.toBeNull())
  await vi.waitFor(() => expect(queryClient.getQueryState(['orders'])?.status).toBe('success'))
  await vi.waitFor(() => expect(queryClient.getQueryState(['orders', '1'])?.status).toBe('success'))
  return {
    queryClient,
    sync,
    /** What each cached query's refetch came to, by key, in order. */
    statuses: (queryKey: readonly unknown[]) =>
      refetches
        .filter((event) => JSON.stringify(event.queryKey) === JSON.stringify(queryKey))
        .map((event) => event.status),
    /**
     * A mutation as an app writes it: POST (without this client's origin, so its broadcast is not
     * an echo), the response into the detail, then the list refetched (what the generated hooks do).
     */
    async mutate() {
      const order = (await (await fetch(`${base}/orders/1`, { method: 'POST' })).json()) as Order
      queryClient.setQueryData(['orders', '1'], order)
      await queryClient.invalidateQueries({ queryKey: ['orders'], exact: true })
      return order
    },
  }
}

const gets = (s: RealServer) => ({
  detail: s.hits.get('GET /orders/1') ?? 0,
  list: s.hits.get('GET /orders') ?? 0,
})

/** Another client changes order 1 (no broadcast client of its own). */
const otherClientChanges = (s: RealServer) => fetch(`http://127.0.0.1:${s.port}/orders/1`, { method: 'POST' })

describe('no refetch when the cache is already current (real server, real HTTP)', () => {
  it("skips what its own mutation's response and refetch brought; refetches a newer version", async () => {
    const s = await server({ announceVersions: true })
    await otherClientChanges(s)
    await s.releaseBroadcasts() // version 1, before anyone listens
    const a = await tab(s, versioned)
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))

    expect(await a.mutate()).toEqual({ id: '1', version: 2 })
    const before = gets(s)
    expect(before).toEqual({ detail: 1, list: 2 })
    await s.releaseBroadcasts() // {entity_id: '1', entity_version: 2}, not an echo
    await vi.waitFor(() => expect(a.statuses(['orders', '1'])).toEqual(['current']))
    await vi.waitFor(() => expect(a.statuses(['orders'])).toEqual(['current']))
    expect(gets(s)).toEqual(before)

    // Version 3 is news: both refetch.
    await otherClientChanges(s)
    await s.releaseBroadcasts()
    await vi.waitFor(() => expect(gets(s)).toEqual({ detail: before.detail + 1, list: before.list + 1 }))
    await vi.waitFor(() => expect(a.statuses(['orders', '1'])).toEqual(['current', 'started', 'succeeded']))
    expect(a.queryClient.getQueryData(['orders', '1'])).toEqual({ id: '1', version: 3 })
  })

  it.each([
    ['an entity without a version field', { announceVersions: true }, unversioned],
    [
      'a server that announces no version (a spec-only or FastAPI server)',
      { announceVersions: false },
      versioned,
    ],
  ])('refetches as before for %s', async (_, options, cache) => {
    const s = await server(options)
    await otherClientChanges(s)
    await s.releaseBroadcasts()
    const a = await tab(s, cache)
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    await a.mutate()
    const before = gets(s)
    await s.releaseBroadcasts()
    await vi.waitFor(() => expect(gets(s)).toEqual({ detail: before.detail + 1, list: before.list + 1 }))
    await vi.waitFor(() => expect(a.statuses(['orders', '1'])).toEqual(['started', 'succeeded']))
    expect(a.statuses(['orders'])).not.toContain('current')
  })

  it('refetches a list the app wrote itself, but not the detail it wrote', async () => {
    const s = await server({ announceVersions: true })
    const a = await tab(s, versioned) // order 1 does not exist yet: the list is empty
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    await a.mutate() // creates order 1 at version 1; the refetched list now holds it
    // The app puts its response into the list by hand: a list the server may order or filter otherwise.
    const order = (await (
      await fetch(`http://127.0.0.1:${s.port}/orders/1`, { method: 'POST' })
    ).json()) as Order
    a.queryClient.setQueryData(['orders', '1'], order)
    a.queryClient.setQueryData(['orders'], [order])
    const before = gets(s)
    await s.releaseBroadcasts() // versions 1 and 2 of order 1
    await vi.waitFor(() => expect(gets(s).list).toBe(before.list + 1))
    await vi.waitFor(() => expect(a.statuses(['orders'])).toEqual(['started', 'succeeded']))
    expect(a.statuses(['orders', '1'])).toEqual(['current'])
    expect(gets(s).detail).toBe(before.detail)
  })

  it('refetches data a pending optimistic change is drawn on, though its version is current', async () => {
    const s = await server({ announceVersions: true })
    await otherClientChanges(s)
    await s.releaseBroadcasts()
    const a = await tab(s, versioned)
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    await otherClientChanges(s) // version 2, its broadcast held
    await a.queryClient.refetchQueries({ queryKey: ['orders', '1'], exact: true })
    expect(a.queryClient.getQueryData(['orders', '1'])).toEqual({ id: '1', version: 2 })
    // A mutation of this client is pending, its change drawn on the detail (its request waits).
    let answer: (value: unknown) => void = () => {}
    const pending = a.sync.mutate({
      patches: [updateEntityPatch(versioned, '1', { notes: 'draft' })],
      request: () => new Promise((resolve) => (answer = resolve)),
    })
    expect(a.queryClient.getQueryData(['orders', '1'])).toEqual({ id: '1', version: 2, notes: 'draft' })
    const before = gets(s).detail
    await s.releaseBroadcasts() // version 2
    await vi.waitFor(() => expect(gets(s).detail).toBe(before + 1))
    await vi.waitFor(() => expect(a.statuses(['orders', '1'])).toEqual(['started', 'succeeded']))
    answer({})
    await pending
  })
})
