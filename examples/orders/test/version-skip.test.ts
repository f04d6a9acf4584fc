import { type BroadcastTarget, outboxDispatch } from '@pattern-stack/backend-patterns/events'
import {
  broadcastOriginHeaders,
  type EntityCacheShape,
  getSyncClient,
  type RefetchInspectEvent,
} from '@pattern-stack/sync-patterns/runtime/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { orderCache } from '../web/src/generated/entities/order.js'
import { openTestDatabase } from './databases.js'
import { api, startServer, type TestServer } from './harness.js'
import { Tablet } from './support/tablet.js'

// No refetch when the cache is already current (issue 18 item 3) in the Orders app: two tablets on
// the real server, counting the GETs the watching one makes. Tablet A adds three items to an order;
// the broadcasts reach tablet B late, as from an outbox relay that lags behind the database (the
// test drives the relay). B's refetch for the first already reads the order at its last version, so
// with the generated cache shape (the order's `version` field) the other two broadcasts cost B
// nothing, while without a version field B refetches once more.

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The Orders server whose broadcasts wait (after commit, logged as usual) until `release(n)`. */
async function serverWithLaggingRelay() {
  const held: (() => Promise<unknown>)[] = []
  let server: TestServer | undefined
  const relay: BroadcastTarget = {
    broadcast: async (...args) => {
      held.push(() => (server as TestServer).backend.broadcast(...args))
    },
  }
  const database = await openTestDatabase('pglite')
  server = await startServer('pglite', { database, dispatch: outboxDispatch(relay, { db: database.db }) })
  cleanups.push(() => database.close())
  cleanups.push(() => server.close())
  return {
    server,
    /** Publishes the `count` oldest held broadcasts (all by default). */
    async release(count = held.length) {
      for (const publish of held.splice(0, count)) await publish()
    },
  }
}

function tablet(server: TestServer, cache: EntityCacheShape | undefined) {
  const t = new Tablet(server.baseUrl, cache ? { cache } : {})
  cleanups.push(() => t.close())
  const refetches: RefetchInspectEvent[] = []
  const stop = getSyncClient(t.queryClient).inspect((event) => {
    if (event.type === 'refetch') refetches.push(event)
  })
  cleanups.push(stop)
  return Object.assign(t, { refetches })
}

describe('Orders: a tablet whose cache is already current does not refetch (real server, two tablets)', () => {
  it.each([
    ['with the generated order cache shape (version field)', orderCache, 0],
    ['without a version field', { root: 'orders' }, 4],
  ])('%s', { timeout: 60_000 }, async (_, cache, refetchesAfterCatchingUp) => {
    expect(orderCache.versionField).toBe('version') // what the generator made of the Order schema
    const { server, release } = await serverWithLaggingRelay()
    const order = (await api(server.baseUrl, 'POST', '/orders', { body: {} })).body as { id: string }
    await release()
    const a = tablet(server, cache)
    const b = tablet(server, cache)
    for (const t of [a, b]) {
      t.watchOrder(order.id)
      t.watchList()
    }
    await vi.waitFor(() => expect(server.backend.getSubscriberCount('order')).toBe(2))
    await vi.waitFor(() =>
      expect([a.idle, b.idle, a.version(order.id), b.version(order.id)]).toEqual([true, true, 1, 1]),
    )

    // Tablet A adds three items as the app does: each request tagged with its connection, then its
    // mutation refetches the order and the list.
    for (const name of ['Bagel', 'Latte', 'Muffin']) {
      const added = await api(server.baseUrl, 'POST', `/orders/${order.id}/items`, {
        body: { name, quantity: 1, unit_price: 300 },
        headers: broadcastOriginHeaders(a.client),
      })
      expect(added.status).toBe(201)
      await a.queryClient.invalidateQueries({ queryKey: ['orders'] })
    }
    expect(a.version(order.id)).toBe(4)
    const bBefore = b.gets.length

    // One broadcast at a time reaches B, each handled (its refetches done or skipped) before the next.
    // B's invalidation handler runs before this counter's (subscribed first), so once the counter has
    // the event, the refetches it asks for are pending or running until B is idle again.
    let events = 0
    b.client.subscribe('order', (event) => {
      if (event.kind === 'event') events += 1
    })
    const deliverOne = async () => {
      const expected = events + 1
      await release(1)
      await vi.waitFor(() => expect(events).toBe(expected))
      await vi.waitFor(() => expect(b.idle).toBe(true))
    }
    // Version 2: B refetches the order and the list, which read version 4 already.
    await deliverOne()
    expect(b.gets.length).toBe(bBefore + 2)
    expect(b.version(order.id)).toBe(4)

    // Versions 3 and 4 arrive after B already has them.
    const seen = b.refetches.length
    await deliverOne()
    await deliverOne()
    const outcomes = b.refetches.slice(seen).map((event) => event.status)
    expect(b.gets.length).toBe(bBefore + 2 + refetchesAfterCatchingUp)
    if (refetchesAfterCatchingUp === 0) expect(outcomes).toEqual(['current', 'current', 'current', 'current'])
    else expect(outcomes).not.toContain('current')
    expect(b.version(order.id)).toBe(4)
    // A skipped all three as its own echoes, as before: its GETs are its mutations' own refetches.
    expect(a.gets.filter((path) => path === `/orders/${order.id}`)).toHaveLength(4)
  })
})
