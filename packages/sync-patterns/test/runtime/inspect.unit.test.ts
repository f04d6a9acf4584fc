import { MutationObserver, QueryClient, type QueryKey, QueryObserver } from '@tanstack/query-core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BroadcastClient } from '../../src/runtime/core/broadcast-client.js'
import { updateEntityPatch } from '../../src/runtime/core/optimistic/entity-patches.js'
import { SyncClient } from '../../src/runtime/core/sync-client.js'
import type { SyncInspectEvent } from '../../src/runtime/core/sync-inspect.js'
import { fakeWebSocket } from './fake-websocket.js'

function deferred<T = void>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

let queryClient: QueryClient
let sync: SyncClient

beforeEach(() => {
  vi.useFakeTimers()
  queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  queryClient.mount()
  sync = new SyncClient(queryClient)
})
afterEach(() => {
  sync.dispose()
  queryClient.clear()
  vi.useRealTimers()
})

/** An active query whose fetches can be held open: `gate` makes the next one wait, `calls` counts them. */
function watch(queryKey: QueryKey, data: unknown = null) {
  const state = { calls: 0, gate: null as ReturnType<typeof deferred<void>> | null }
  const observer = new QueryObserver(queryClient, {
    queryKey,
    queryFn: async () => {
      state.calls += 1
      const gate = state.gate
      state.gate = null
      if (gate) await gate.promise
      return data ?? state.calls
    },
    staleTime: Number.POSITIVE_INFINITY,
  })
  observer.subscribe(() => {})
  return state
}

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

/** The inspect stream as short, comparable lines. */
function record() {
  const events: SyncInspectEvent[] = []
  const stop = sync.inspect((event) => events.push(event))
  const lines = () =>
    events.map((event) => {
      switch (event.type) {
        case 'broadcast':
          return `broadcast #${event.signal} ${event.message.kind === 'resync' ? `resync (${event.message.reason})` : event.message.event} ${JSON.stringify(event.queryKeyPrefix)}: ${event.outcome}`
        case 'enabled':
          return `enabled #${event.signal} ${JSON.stringify(event.queryKeyPrefix)}`
        case 'invalidate':
          return `invalidate ${JSON.stringify(event.queryKey)} by #${event.cause}: ${event.outcome}${event.into ? ` into ${event.into}` : ''}`
        case 'refetch':
          return `refetch ${JSON.stringify(event.queryKey)} for ${event.causes}: ${event.status}${event.durationMs === undefined ? '' : ` in ${event.durationMs} ms`}`
        case 'optimistic':
          return `optimistic ${event.change} ${event.label}: ${event.status}${event.queryKeys ? ` ${JSON.stringify(event.queryKeys)}` : ''}`
      }
      return ''
    })
  return { events, lines, stop }
}

describe('SyncClient.inspect', () => {
  it('reports a broadcast, each cached query it invalidated, and the refetch that followed with its duration', async () => {
    const { client, socket } = connectedClient()
    watch(['orders'])
    const detail = watch(['orders', '1'])
    watch(['orders', '2'])
    await vi.advanceTimersByTimeAsync(1)
    sync.invalidateOnBroadcast({ client, channel: 'order', queryKeyPrefix: ['orders'] })
    const { lines } = record()

    detail.gate = deferred()
    const gate = detail.gate
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '1' }, origin: 'other' })
    expect(lines()).toEqual([
      'broadcast #1 updated ["orders"]: invalidate',
      'invalidate ["orders","1"] by #1: scheduled',
      'invalidate ["orders"] by #1: scheduled',
    ])
    await vi.advanceTimersByTimeAsync(8)
    expect(lines().slice(3)).toEqual([
      'refetch ["orders","1"] for 1: started',
      'refetch ["orders"] for 1: started',
      'refetch ["orders"] for 1: succeeded in 0 ms',
    ])
    await vi.advanceTimersByTimeAsync(30)
    gate.resolve()
    await vi.advanceTimersByTimeAsync(0)
    expect(lines().slice(6)).toEqual(['refetch ["orders","1"] for 1: succeeded in 30 ms'])
  })

  it('says why a broadcast invalidated nothing: echo, disabled; enabling again invalidates under its own signal', async () => {
    const { client, socket } = connectedClient()
    watch(['orders', '2'])
    await vi.advanceTimersByTimeAsync(1)
    const subscription = sync.invalidateOnBroadcast({ client, channel: 'order', queryKeyPrefix: ['orders'] })
    const { lines } = record()

    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '2' }, origin: 'me' })
    subscription.setEnabled(false)
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '2' } })
    await vi.advanceTimersByTimeAsync(100)
    expect(lines()).toEqual([
      'broadcast #1 updated ["orders"]: echo',
      'broadcast #2 updated ["orders"]: disabled',
    ])
    subscription.setEnabled(true)
    await vi.advanceTimersByTimeAsync(8)
    expect(lines().slice(2)).toEqual([
      'enabled #3 ["orders"]',
      'invalidate ["orders","2"] by #3: scheduled',
      'refetch ["orders","2"] for 3: started',
      'refetch ["orders","2"] for 3: succeeded in 0 ms',
    ])
  })

  it('a second broadcast before the refetch is coalesced into it; one message reaching two subscriptions is one signal', async () => {
    const { client, socket } = connectedClient()
    watch(['orders', '1'])
    await vi.advanceTimersByTimeAsync(1)
    sync.invalidateOnBroadcast({ client, channel: 'order', queryKeyPrefix: ['orders'] })
    sync.invalidateOnBroadcast({ client, channel: 'order', queryKeyPrefix: ['orders', '1'] })
    const { lines } = record()

    socket.receiveFrame({ channel: 'order', event: 'item_added', payload: { entity_id: '1' } })
    socket.receiveFrame({ channel: 'order', event: 'item_added', payload: { entity_id: '1' } })
    await vi.advanceTimersByTimeAsync(100)
    expect(lines()).toEqual([
      'broadcast #1 item_added ["orders"]: invalidate',
      'invalidate ["orders","1"] by #1: scheduled',
      'broadcast #1 item_added ["orders","1"]: invalidate',
      'broadcast #2 item_added ["orders"]: invalidate',
      'invalidate ["orders","1"] by #2: coalesced into 1',
      'broadcast #2 item_added ["orders","1"]: invalidate',
      'refetch ["orders","1"] for 1,2: started',
      'refetch ["orders","1"] for 1,2: succeeded in 0 ms',
    ])
  })

  it('reports a refetch held by a pending mutation, one waiting for a fetch in flight, and one a newer fetch covers', async () => {
    const { client, socket } = connectedClient()
    const detail = watch(['orders', '1'])
    await vi.advanceTimersByTimeAsync(1)
    sync.invalidateOnBroadcast({ client, channel: 'order', queryKeyPrefix: ['orders'] })
    const { lines } = record()

    // A hand-written mutation on ['orders'] is pending: the refetch waits for it.
    const done = deferred()
    const mutation = new MutationObserver(queryClient, {
      mutationKey: ['orders'],
      mutationFn: () => done.promise,
    })
    void mutation.mutate()
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '1' } })
    await vi.advanceTimersByTimeAsync(10)
    expect(lines().at(-1)).toBe('refetch ["orders","1"] for 1: held')
    done.resolve()
    await vi.advanceTimersByTimeAsync(10)
    expect(lines().slice(-2)).toEqual([
      'refetch ["orders","1"] for 1: started',
      'refetch ["orders","1"] for 1: succeeded in 0 ms',
    ])
    await vi.advanceTimersByTimeAsync(100) // no longer busy: the next broadcast waits one frame

    // A fetch in flight when the broadcast arrives may predate the change: one follow-up after it.
    detail.gate = deferred()
    const gate = detail.gate
    void queryClient.refetchQueries({ queryKey: ['orders', '1'] })
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '1' } })
    await vi.advanceTimersByTimeAsync(10)
    expect(lines().at(-1)).toBe('refetch ["orders","1"] for 2: waiting-for-fetch')
    gate.resolve()
    await vi.advanceTimersByTimeAsync(10)
    expect(lines().slice(-2)).toEqual([
      'refetch ["orders","1"] for 2: started',
      'refetch ["orders","1"] for 2: succeeded in 0 ms',
    ])
    await vi.advanceTimersByTimeAsync(100)

    // A fetch that starts after the broadcast already reads the change: no refetch is added.
    detail.gate = deferred()
    const late = detail.gate
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '1' } })
    void queryClient.refetchQueries({ queryKey: ['orders', '1'] })
    await vi.advanceTimersByTimeAsync(10)
    expect(lines().at(-1)).toBe('refetch ["orders","1"] for 3: covered')
    late.resolve()
    await vi.advanceTimersByTimeAsync(10)
    expect(detail.calls).toBe(5) // the first load, three refetches, the late one: none added
  })

  it('reports resyncs with their cause, and a refetch that failed; an inactive query is only marked stale', async () => {
    const { client, socket } = connectedClient()
    const failing = new QueryObserver(queryClient, {
      queryKey: ['orders', 'broken'],
      queryFn: async () => {
        throw new Error('500')
      },
      staleTime: Number.POSITIVE_INFINITY,
    })
    failing.subscribe(() => {})
    queryClient.setQueryData(['orders', 'unwatched'], 'cached')
    await vi.advanceTimersByTimeAsync(1)
    sync.invalidateOnBroadcast({ client, channel: 'order', queryKeyPrefix: ['orders'] })
    const { lines } = record()

    socket.receiveFrame({ resync: ['order'] })
    await vi.advanceTimersByTimeAsync(10)
    expect(lines()).toEqual([
      'broadcast #1 resync (server) ["orders"]: invalidate',
      'invalidate ["orders","broken"] by #1: scheduled',
      'invalidate ["orders","unwatched"] by #1: scheduled',
      'refetch ["orders","broken"] for 1: started',
      'refetch ["orders","unwatched"] for 1: stale',
      'refetch ["orders","broken"] for 1: failed in 0 ms',
    ])
    expect(queryClient.getQueryState(['orders', 'unwatched'])?.isInvalidated).toBe(true)
  })

  it('reports optimistic changes: added with their label and the queries they changed, confirmed, settled or failed', async () => {
    queryClient.setQueryData(['orders'], [{ id: '1', notes: 'a' }])
    queryClient.setQueryData(['orders', '1'], { id: '1', notes: 'a' })
    const { lines } = record()
    const shape = { root: 'orders' }

    const accepted = deferred<string>()
    const saved = sync.mutate({
      patches: [updateEntityPatch(shape, '1', { notes: 'b' })],
      request: () => accepted.promise,
    })
    const refused = deferred<string>()
    const failed = sync.mutate({
      patches: [updateEntityPatch(shape, '1', { notes: 'c' })],
      request: () => refused.promise,
    })
    expect(sync.optimistic.pendingChanges()).toEqual([
      { change: 1, label: 'update orders 1 (notes)', confirmed: false },
      { change: 2, label: 'update orders 1 (notes)', confirmed: false },
    ])
    accepted.resolve('ok')
    refused.reject(new Error('409'))
    await saved
    await expect(failed).rejects.toThrow('409')
    expect(lines()).toEqual([
      'optimistic 1 update orders 1 (notes): added [["orders"],["orders","1"]]',
      'optimistic 2 update orders 1 (notes): added [["orders"],["orders","1"]]',
      'optimistic 1 update orders 1 (notes): confirmed',
      'optimistic 2 update orders 1 (notes): failed',
      'optimistic 1 update orders 1 (notes): settled',
    ])
    expect(sync.optimistic.pendingChanges()).toEqual([])
  })

  it('records nothing once the last listener left, and a throwing listener changes nothing', async () => {
    const { client, socket } = connectedClient()
    const detail = watch(['orders', '1'])
    await vi.advanceTimersByTimeAsync(1)
    sync.invalidateOnBroadcast({ client, channel: 'order', queryKeyPrefix: ['orders'] })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const stopThrowing = sync.inspect(() => {
      throw new Error('listener bug')
    })
    const { events, stop } = record()

    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '1' } })
    await vi.advanceTimersByTimeAsync(100)
    expect(detail.calls).toBe(2)
    expect(events.length).toBe(4)
    expect(warn).toHaveBeenCalledWith('[sync-patterns] an inspect listener threw', expect.any(Error))
    warn.mockRestore()

    stop()
    stopThrowing()
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '1' } })
    await vi.advanceTimersByTimeAsync(100)
    expect(detail.calls).toBe(3)
    expect(events.length).toBe(4)
    // A listener added later starts numbering where it left off and sees only what follows.
    const later = record()
    socket.receiveFrame({ channel: 'order', event: 'updated', payload: { entity_id: '1' } })
    expect(later.lines()[0]).toBe('broadcast #2 updated ["orders"]: invalidate')
  })
})
