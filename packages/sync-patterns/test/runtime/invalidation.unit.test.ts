import { MutationObserver, QueryClient, type QueryKey, QueryObserver } from '@tanstack/query-core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BroadcastClient } from '../../src/runtime/core/broadcast-client.js'
import { InvalidationScheduler } from '../../src/runtime/core/invalidation-scheduler.js'
import { createBroadcastInvalidation, getSyncClient, SyncClient } from '../../src/runtime/core/sync-client.js'
import { fakeWebSocket } from './fake-websocket.js'

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** An active query (one observer) whose queryFn calls are counted; `hold()` makes the next call wait. */
function watch(queryClient: QueryClient, queryKey: QueryKey) {
  let calls = 0
  let gate: ReturnType<typeof deferred<void>> | null = null
  const observer = new QueryObserver(queryClient, {
    queryKey,
    queryFn: async () => {
      calls += 1
      const current = gate
      if (current) await current.promise
      return calls
    },
    staleTime: Number.POSITIVE_INFINITY,
  })
  const unsubscribe = observer.subscribe(() => {})
  return {
    get calls() {
      return calls
    },
    hold() {
      gate = deferred<void>()
      return gate
    },
    release() {
      gate?.resolve()
      gate = null
    },
    unsubscribe,
  }
}

let queryClient: QueryClient
const settle = () => vi.advanceTimersByTimeAsync(1)

beforeEach(async () => {
  vi.useFakeTimers()
  queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  queryClient.mount()
})
afterEach(() => {
  queryClient.clear()
  vi.useRealTimers()
})

describe('InvalidationScheduler', () => {
  it('coalesces invalidations of one query within the window into one refetch', async () => {
    const order = watch(queryClient, ['orders', '1'])
    await settle()
    expect(order.calls).toBe(1) // the initial fetch
    const scheduler = new InvalidationScheduler(queryClient, { coalesceMs: 16 })
    for (let i = 0; i < 10; i++) {
      scheduler.invalidate(['orders', '1'])
      await vi.advanceTimersByTimeAsync(5) // each inside the (debounced) window of the previous
    }
    await vi.advanceTimersByTimeAsync(20)
    expect(order.calls).toBe(2)
    expect(scheduler.pendingCount).toBe(0)
  })

  it('each query has its own window: 50 events over 10 entities in 100 ms refetch each entity at most twice', async () => {
    const orders = Array.from({ length: 10 }, (_, id) => watch(queryClient, ['orders', String(id)]))
    await settle()
    const scheduler = new InvalidationScheduler(queryClient, { coalesceMs: 16 })
    for (let i = 0; i < 50; i++) {
      // Each entity is hit every 20 ms: its first event is a lone change (one frame), the rest a
      // busy stream on that entity (one refetch after it).
      scheduler.invalidate(['orders', String(i % 10)])
      await vi.advanceTimersByTimeAsync(2)
    }
    await vi.advanceTimersByTimeAsync(16)
    expect(orders.map((o) => o.calls - 1)).toEqual(new Array(10).fill(1))
    await vi.advanceTimersByTimeAsync(250)
    expect(orders.map((o) => o.calls - 1)).toEqual(new Array(10).fill(2))
  })

  it('a busy stream with pauses longer than one frame is not split into a refetch per pause', async () => {
    const order = watch(queryClient, ['orders', '1'])
    await settle()
    const scheduler = new InvalidationScheduler(queryClient) // defaults: 8 ms, 64 ms while busy
    for (let burst = 0; burst < 4; burst++) {
      for (let i = 0; i < 10; i++) {
        scheduler.invalidate(['orders', '1'])
        await vi.advanceTimersByTimeAsync(1)
      }
      await vi.advanceTimersByTimeAsync(25) // a pause: the server was busy for 25 ms
    }
    await vi.advanceTimersByTimeAsync(100)
    // The first pause closes the one-frame window; from then on the stream counts as busy.
    expect(order.calls - 1).toBe(2)
    // A lone event later waits one frame (8 ms by default) again, and no longer.
    await vi.advanceTimersByTimeAsync(1000)
    scheduler.invalidate(['orders', '1'])
    await vi.advanceTimersByTimeAsync(7)
    expect(order.calls - 1).toBe(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(order.calls - 1).toBe(3)
  })

  it('does not starve under a continuous stream: refetches at least every maxDelayMs', async () => {
    const order = watch(queryClient, ['orders', '1'])
    await settle()
    const scheduler = new InvalidationScheduler(queryClient, { coalesceMs: 16, maxDelayMs: 250 })
    for (let t = 0; t < 1000; t += 10) {
      scheduler.invalidate(['orders', '1'])
      await vi.advanceTimersByTimeAsync(10)
    }
    await vi.advanceTimersByTimeAsync(20)
    // Flushes forced at ~250, ~510, ~770 ms, and the last after the stream stops.
    expect(order.calls - 1).toBe(4)
  })

  it('a lone change to one entity refetches one frame later, however busy another entity is', async () => {
    const busy = watch(queryClient, ['orders', 'A'])
    const lone = watch(queryClient, ['orders', 'B'])
    await settle()
    const scheduler = new InvalidationScheduler(queryClient) // defaults: 8 ms, 64 ms while busy, 250 ms
    // A steady stream on A, every 30 ms: from its second event on, A is busy (64 ms debounce).
    const stream = async (ms: number) => {
      for (let t = 0; t < ms; t += 30) {
        scheduler.invalidate(['orders', 'A'])
        await vi.advanceTimersByTimeAsync(30)
      }
    }
    await stream(300)
    const busyCallsBefore = busy.calls
    scheduler.invalidate(['orders', 'A'])
    scheduler.invalidate(['orders', 'B']) // B had no event: one frame, not A's 64 ms
    await vi.advanceTimersByTimeAsync(7)
    expect(lone.calls - 1).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(lone.calls - 1).toBe(1)
    expect(busy.calls).toBe(busyCallsBefore) // A is still collecting its stream
    await vi.advanceTimersByTimeAsync(22)
    await stream(300)
    await vi.advanceTimersByTimeAsync(300)
    expect(lone.calls - 1).toBe(1)
    expect(scheduler.pendingCount).toBe(0)
  })

  it('an entity changed every 100 ms is not busy: each change refetches one frame later (a longer wait would merge nothing)', async () => {
    const order = watch(queryClient, ['orders', '1'])
    await settle()
    const scheduler = new InvalidationScheduler(queryClient) // defaults: 8 ms, 64 ms while busy
    for (let change = 1; change <= 5; change++) {
      scheduler.invalidate(['orders', '1'])
      await vi.advanceTimersByTimeAsync(7)
      expect(order.calls - 1).toBe(change - 1)
      await vi.advanceTimersByTimeAsync(1)
      expect(order.calls - 1).toBe(change)
      await vi.advanceTimersByTimeAsync(92)
    }
  })

  it('a burst on one entity with pauses of 5–40 ms for 1 s costs at most 2 refetches (the cap aside)', async () => {
    const order = watch(queryClient, ['orders', '1'])
    const other = watch(queryClient, ['orders', '2'])
    await settle()
    // maxDelayMs beyond the burst, so only the busy rule decides (the next test covers the cap).
    const scheduler = new InvalidationScheduler(queryClient, { maxDelayMs: 2000 })
    const pauses = [5, 12, 40, 7, 25, 33, 9, 18, 40, 5, 28, 14, 37, 21, 6, 40, 11, 30, 19, 8]
    let elapsed = 0
    for (let i = 0; elapsed < 1000; i++) {
      scheduler.invalidate(['orders', '1'])
      // Lone changes to another entity in between do not split the burst.
      if (i % 10 === 0) scheduler.invalidate(['orders', '2'])
      const pause = pauses[i % pauses.length] as number
      await vi.advanceTimersByTimeAsync(pause)
      elapsed += pause
    }
    await vi.advanceTimersByTimeAsync(100)
    // One a frame after the first pause longer than a frame, one after the burst: never stale.
    expect(order.calls - 1).toBe(2)
    expect(other.calls - 1).toBeGreaterThan(1)
    expect(scheduler.pendingCount).toBe(0)
  })

  it('the max-delay cap bounds a steady stream on one entity, whatever other entities do', async () => {
    const refetchedAt: number[] = []
    const unsubscribe = new QueryObserver(queryClient, {
      queryKey: ['orders', '1'],
      queryFn: () => refetchedAt.push(Date.now()),
      staleTime: Number.POSITIVE_INFINITY,
    }).subscribe(() => {})
    const others = Array.from({ length: 5 }, (_, i) => watch(queryClient, ['orders', `other${i}`]))
    await settle()
    refetchedAt.length = 0
    const scheduler = new InvalidationScheduler(queryClient) // defaults: 8 ms, 64 ms while busy, 250 ms
    const sentAt: number[] = []
    for (let t = 0; t < 1000; t += 10) {
      sentAt.push(Date.now())
      scheduler.invalidate(['orders', '1'])
      scheduler.invalidate(['orders', `other${(t / 10) % 5}`])
      await vi.advanceTimersByTimeAsync(10)
    }
    await vi.advanceTimersByTimeAsync(100)
    unsubscribe()
    // Every event is followed by a refetch that starts at most maxDelayMs after it.
    const waits = sentAt.map((at) => (refetchedAt.find((r) => r >= at) ?? Number.POSITIVE_INFINITY) - at)
    expect(Math.max(...waits)).toBeLessThanOrEqual(250)
    // A frame after the first event, then forced 250 ms after the first waiting one, until it stops.
    expect(refetchedAt.map((at) => at - (sentAt[0] as number))).toEqual([8, 260, 510, 760, 1010])
    expect(others.every((o) => o.calls - 1 >= 2)).toBe(true)
  })

  it('an event during an in-flight fetch causes exactly one follow-up after it, however many arrive', async () => {
    const order = watch(queryClient, ['orders', '1'])
    await settle()
    const scheduler = new InvalidationScheduler(queryClient)
    const gate = order.hold()
    void queryClient.refetchQueries({ queryKey: ['orders', '1'] }) // in flight, began before the events
    await settle()
    expect(order.calls).toBe(2)
    for (let i = 0; i < 20; i++) {
      scheduler.invalidate(['orders', '1'])
      await vi.advanceTimersByTimeAsync(10)
    }
    await vi.advanceTimersByTimeAsync(300) // the window closes while the fetch is still in flight
    expect(order.calls).toBe(2) // nothing cancelled or restarted
    expect(scheduler.pendingCount).toBe(1) // the follow-up waits for it
    gate.resolve()
    order.release()
    await vi.advanceTimersByTimeAsync(50)
    expect(order.calls).toBe(3)
    expect(queryClient.getQueryData(['orders', '1'])).toBe(3) // the state after the last event is in the cache
  })

  it('a fetch that started after the event already covers it: no extra refetch', async () => {
    const order = watch(queryClient, ['orders', '1'])
    await settle()
    const scheduler = new InvalidationScheduler(queryClient, { coalesceMs: 16 })
    const gate = order.hold()
    scheduler.invalidate(['orders', '1'])
    await vi.advanceTimersByTimeAsync(5)
    void queryClient.refetchQueries({ queryKey: ['orders', '1'] }) // e.g. a window-focus refetch
    await vi.advanceTimersByTimeAsync(30)
    gate.resolve()
    order.release()
    await vi.advanceTimersByTimeAsync(50)
    expect(order.calls).toBe(2)
  })

  it('waits for pending mutations on an overlapping key, then refetches once (not twice with onSettled)', async () => {
    const order = watch(queryClient, ['orders', '1'])
    const other = watch(queryClient, ['contacts', '1'])
    await settle()
    const scheduler = new InvalidationScheduler(queryClient)
    const response = deferred<string>()
    const mutation = new MutationObserver(queryClient, {
      mutationKey: ['orders', '1'],
      mutationFn: () => response.promise,
      onSettled: () => queryClient.invalidateQueries({ queryKey: ['orders', '1'] }),
    })
    void mutation.mutate(undefined)
    await settle()
    scheduler.invalidate(['orders', '1'])
    scheduler.invalidate(['contacts', '1'])
    await vi.advanceTimersByTimeAsync(1000)
    expect(order.calls).toBe(1) // held: a refetch now could overwrite the optimistic state
    expect(other.calls).toBe(2) // another key is not held
    response.resolve('ok')
    await vi.advanceTimersByTimeAsync(50)
    expect(order.calls).toBe(2) // onSettled's refetch started after the event, so it covers it
    expect(scheduler.pendingCount).toBe(0)
  })

  it("a SyncClient's scheduler does not wait for the SyncClient's own mutations (the registry keeps their changes), but still for hand-written ones", async () => {
    const order = watch(queryClient, ['orders', '1'])
    const contact = watch(queryClient, ['contacts', '1'])
    await settle()
    const sync = getSyncClient(queryClient)
    const own = deferred<string>()
    const handWritten = deferred<string>()
    void new MutationObserver(
      queryClient,
      sync.mutationOptions(['orders'], {}, () => ({ request: () => own.promise })),
    ).mutate()
    void new MutationObserver(queryClient, {
      mutationKey: ['contacts'],
      mutationFn: () => handWritten.promise,
    }).mutate()
    await settle()
    expect(sync.isHeldByPendingMutation(['orders', '1'])).toBe(false)
    expect(sync.isHeldByPendingMutation(['contacts', '1'])).toBe(true)
    sync.scheduler.invalidate(['orders', '1'])
    sync.scheduler.invalidate(['contacts', '1'])
    await vi.advanceTimersByTimeAsync(20)
    expect(order.calls).toBe(2) // refetched while the mutation is still pending
    expect(contact.calls).toBe(1) // held: the hand-written mutation may have patched it in onMutate
    own.resolve('ok')
    handWritten.resolve('ok')
    await vi.advanceTimersByTimeAsync(50)
    expect(contact.calls).toBe(2)
    sync.dispose()
  })

  it('one SyncClient per QueryClient', () => {
    const sync = getSyncClient(queryClient, { coalesceMs: 4 })
    expect(getSyncClient(queryClient)).toBe(sync)
    expect(() => new SyncClient(queryClient)).toThrow(/has a SyncClient already/)
    sync.dispose()
    expect(() => new SyncClient(queryClient, { coalesceMs: -1 })).toThrow(/coalesceMs must be/)
    const next = new SyncClient(queryClient) // neither the disposed one nor the refused one is kept
    expect(getSyncClient(queryClient)).toBe(next)
    next.dispose()
  })

  it('a create keyed ["orders"] holds the detail queries under it too, and refetches after it settles', async () => {
    const detail = watch(queryClient, ['orders', '1'])
    await settle()
    const scheduler = new InvalidationScheduler(queryClient)
    const response = deferred<string>()
    const mutation = new MutationObserver(queryClient, {
      mutationKey: ['orders'],
      mutationFn: () => response.promise,
    })
    void mutation.mutate(undefined)
    await settle()
    scheduler.invalidate(['orders', '1'])
    await vi.advanceTimersByTimeAsync(500)
    expect(detail.calls).toBe(1)
    response.resolve('ok')
    await vi.advanceTimersByTimeAsync(50)
    expect(detail.calls).toBe(2)
  })

  it('marks inactive queries stale without fetching them', async () => {
    const order = watch(queryClient, ['orders', '1'])
    await settle()
    order.unsubscribe()
    const scheduler = new InvalidationScheduler(queryClient)
    scheduler.invalidate(['orders'])
    await vi.advanceTimersByTimeAsync(50)
    expect(order.calls).toBe(1)
    expect(queryClient.getQueryState(['orders', '1'])?.isInvalidated).toBe(true)
  })

  it('refuses bad options and keys', () => {
    expect(() => new InvalidationScheduler(queryClient, { coalesceMs: -1 })).toThrow(/coalesceMs must be/)
    expect(() => new InvalidationScheduler({} as never)).toThrow(/needs a QueryClient/)
    expect(() => new InvalidationScheduler(queryClient).invalidate('orders' as never)).toThrow(
      /must be an array/,
    )
  })
})

describe('createBroadcastInvalidation (the spec rules)', () => {
  function connectedClient() {
    const fake = fakeWebSocket()
    const client = new BroadcastClient('ws://x.test/ws/broadcast', {
      WebSocket: fake.WebSocket,
      signals: false,
    })
    client.connect()
    fake.last().open()
    fake.last().receiveFrame({ welcome: { connection_id: 'me', protocol: 1, heartbeat_ms: 0 } })
    return { client, socket: fake.last() }
  }
  const keys: QueryKey[] = [
    ['orders'],
    ['orders', { status: 'draft' }],
    ['orders', '1'],
    ['orders', '1', 'items'],
    ['orders', '2'],
    ['orders', { status: 'draft' }, 'page', 2],
    ['contacts'],
  ]
  function watchAll() {
    const watched = keys.map((key) => ({ key, q: watch(queryClient, key) }))
    return () => watched.filter(({ q }) => q.calls > 1).map(({ key }) => key)
  }

  it('entity event: [...prefix, id] and under it, and the prefix exactly or with one parameter object', async () => {
    const { client, socket } = connectedClient()
    const refetched = watchAll()
    await settle()
    createBroadcastInvalidation({ queryClient, client, channel: 'order', queryKeyPrefix: ['orders'] })
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '1' } })
    await vi.advanceTimersByTimeAsync(50)
    expect(refetched()).toEqual([
      ['orders'],
      ['orders', { status: 'draft' }],
      ['orders', '1'],
      ['orders', '1', 'items'],
    ])
  })

  it('event without entity_id and resync: everything under the prefix', async () => {
    const { client, socket } = connectedClient()
    const refetched = watchAll()
    await settle()
    createBroadcastInvalidation({ queryClient, client, channel: 'order', queryKeyPrefix: ['orders'] })
    socket.receiveFrame({ resync: ['order'] })
    await vi.advanceTimersByTimeAsync(50)
    expect(refetched()).toEqual(keys.slice(0, 6))
  })

  it('skips its own echo; an event from another connection refetches', async () => {
    const { client, socket } = connectedClient()
    const refetched = watchAll()
    await settle()
    createBroadcastInvalidation({ queryClient, client, channel: 'order', queryKeyPrefix: ['orders'] })
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '2' }, origin: 'me' })
    await vi.advanceTimersByTimeAsync(50)
    expect(refetched()).toEqual([])
    socket.receiveFrame({
      channel: 'order',
      event: 'updated',
      payload: { entity_id: '2' },
      origin: 'other-tab',
    })
    await vi.advanceTimersByTimeAsync(50)
    expect(refetched()).toEqual([['orders'], ['orders', { status: 'draft' }], ['orders', '2']])
  })

  it('enabled: false invalidates nothing; enabling again invalidates what arrived, once', async () => {
    const { client, socket } = connectedClient()
    const refetched = watchAll()
    await settle()
    const handle = createBroadcastInvalidation({
      queryClient,
      client,
      channel: 'order',
      queryKeyPrefix: ['orders'],
      enabled: false,
    })
    for (let i = 0; i < 5; i++)
      socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '2' } })
    await vi.advanceTimersByTimeAsync(500)
    expect(refetched()).toEqual([])
    handle.setEnabled(true)
    await vi.advanceTimersByTimeAsync(50)
    expect(refetched()).toEqual([['orders'], ['orders', { status: 'draft' }], ['orders', '2']])
    expect(queryClient.getQueryData(['orders', '2'])).toBe(2) // one refetch for five events
    handle.dispose()
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '2' } })
    await vi.advanceTimersByTimeAsync(50)
    expect(queryClient.getQueryData(['orders', '2'])).toBe(2)
    expect(socket.sent.at(-1)).toEqual({ unsubscribe: ['order'] })
  })

  it('an integer entity_id (42 or "42") refetches the entity under either spelling, not others', async () => {
    const { client, socket } = connectedClient()
    const idKeys: QueryKey[] = [
      ['orders'],
      ['orders', 42],
      ['orders', '42'],
      ['orders', 42, 'items'],
      ['orders', 7],
    ]
    const watched = idKeys.map((key) => ({ key, q: watch(queryClient, key) }))
    const refetched = () => watched.filter(({ q }) => q.calls > 1).map(({ key }) => key)
    await settle()
    createBroadcastInvalidation({ queryClient, client, channel: 'order', queryKeyPrefix: ['orders'] })
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: 42 } })
    await vi.advanceTimersByTimeAsync(50)
    expect(refetched()).toEqual(idKeys.slice(0, 4))
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '42' } })
    await vi.advanceTimersByTimeAsync(300)
    expect(watched.map(({ q }) => q.calls)).toEqual([3, 3, 3, 3, 1])
  })

  it('an unreadable broadcast on the channel refetches everything under the prefix', async () => {
    const { client, socket } = connectedClient()
    const refetched = watchAll()
    await settle()
    createBroadcastInvalidation({ queryClient, client, channel: 'order', queryKeyPrefix: ['orders'] })
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: { id: 1 } } })
    await vi.advanceTimersByTimeAsync(50)
    expect(refetched()).toEqual(keys.slice(0, 6))
  })

  it('refuses a prefix that is not an array', () => {
    const { client } = connectedClient()
    expect(() =>
      createBroadcastInvalidation({
        queryClient,
        client,
        channel: 'order',
        queryKeyPrefix: 'orders' as never,
      }),
    ).toThrow(/queryKeyPrefix must be an array/)
  })
})
