import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { BroadcastClient } from '../../src/runtime/core/broadcast-client.js'
import { createBroadcastInvalidation, getSyncClient } from '../../src/runtime/core/sync-client.js'
import { startRealServer } from './real-server.js'

// Issue 15 item 2 over real sockets: a steady stream of changes to one order keeps that order's
// refetches coalesced, but does not hold back a lone change to another order (its refetch runs one
// frame after its broadcast, ahead of the busy order's). Asserted on the order and number of the
// GETs the server sees, not on times.

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Waits for `check` to pass; the bound is only a hang guard (order 1's window alone takes a second). */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 25_000, interval: 10 })

describe('per-entity coalescing (real server, real HTTP)', () => {
  it('a steady stream on order 1 does not delay a lone change to order 2', { timeout: 30_000 }, async () => {
    const s = await startRealServer()
    cleanups.push(() => s.close())
    const base = `http://127.0.0.1:${s.port}`
    const client = new BroadcastClient(s.url, { WebSocket, signals: false })
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 60_000 } } })
    queryClient.mount()
    // A long busy debounce, so however loaded the machine, order 1's stream stays in one window
    // until it stops: a refetch of order 2 before that is the lone-change rule, not luck.
    const { scheduler } = getSyncClient(queryClient, { busyCoalesceMs: 1000, maxDelayMs: 20_000 })
    const unsubscribes = ['1', '2'].map((id) =>
      new QueryObserver(queryClient, {
        queryKey: ['orders', id],
        queryFn: async () => (await fetch(`${base}/orders/${id}`)).json() as Promise<{ version: number }>,
      }).subscribe(() => {}),
    )
    let eventsForOrder1 = 0
    client.subscribe('order', (event) => {
      if (event.kind === 'event' && event.payload.entity_id === '1') eventsForOrder1 += 1
    })
    const invalidation = createBroadcastInvalidation({
      queryClient,
      client,
      channel: 'order',
      queryKeyPrefix: ['orders'],
    })
    client.connect()
    cleanups.push(() => {
      invalidation.dispose()
      for (const unsubscribe of unsubscribes) unsubscribe()
      client.disconnect()
      queryClient.clear()
    })
    const gets = (id: string) => s.hits.get(`GET /orders/${id}`) ?? 0
    await eventually(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    await eventually(() => expect([gets('1'), gets('2')]).toEqual([1, 1]))

    // Another tablet changes order 1 every 20 ms, until told to stop.
    let streaming = true
    const stream = (async () => {
      while (streaming) {
        await fetch(`${base}/orders/1`, { method: 'POST' })
        await sleep(20)
      }
    })()
    // Its first change is a lone one (a refetch a frame later); from its second on, order 1 is busy
    // and its invalidations wait in the scheduler.
    await eventually(() => expect(gets('1')).toBe(2))
    const seen = eventsForOrder1
    await eventually(() => expect(eventsForOrder1).toBeGreaterThanOrEqual(seen + 3))
    expect(scheduler.pendingCount).toBe(1)

    // The lone change: order 2 refetches while order 1's stream is still waiting.
    const loneAt = s.requests.length
    await fetch(`${base}/orders/2`, { method: 'POST' })
    await eventually(() => expect(gets('2')).toBe(2))
    expect(gets('1')).toBe(2)

    streaming = false
    await stream
    await eventually(() => expect(gets('1')).toBe(3))
    await eventually(() => expect(scheduler.pendingCount).toBe(0))
    const getsAfterLone = s.requests.slice(loneAt).filter((request) => request.startsWith('GET'))
    expect(getsAfterLone).toEqual(['GET /orders/2', 'GET /orders/1'])
    // One refetch for the lone change, two for the whole stream, and both caches current.
    expect([gets('1'), gets('2')]).toEqual([3, 2])
    const posts = s.hits.get('POST /orders/1') ?? 0
    await eventually(() =>
      expect([
        queryClient.getQueryData<{ version: number }>(['orders', '1'])?.version,
        queryClient.getQueryData<{ version: number }>(['orders', '2'])?.version,
      ]).toEqual([posts, 1]),
    )
  })
})
