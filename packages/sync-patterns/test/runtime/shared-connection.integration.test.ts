import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { BroadcastClient, type BroadcastClientOptions } from '../../src/runtime/core/broadcast-client.js'
import { withBroadcastOrigin } from '../../src/runtime/core/broadcast-origin.js'
import {
  PresenceClient,
  type PresenceMember,
  presenceChannel,
} from '../../src/runtime/core/presence-client.js'
import { createBroadcastInvalidation } from '../../src/runtime/core/sync-client.js'
import type { TabLockManager } from '../../src/runtime/core/tab-leader.js'
import { participantLockName, type TabMessage, tabChannelName } from '../../src/runtime/core/tab-messages.js'
import type { BroadcastEvent } from '../../src/runtime/core/types.js'
import { startHistoryServer } from './history-server.js'
import { inProcessLocks } from './in-process-locks.js'
import { type RealServer, startRealServer } from './real-server.js'

/**
 * One connection shared by several "tabs" (BroadcastClients with `shareAcrossTabs`) over Node's
 * real BroadcastChannel, to the real backend. Node 20 has no Web Locks, so the tabs share an
 * in-process lock manager with their semantics; the Chromium test (examples/orders) uses the
 * browser's.
 */
let s: RealServer
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const quiet = { debug: () => {}, warn: () => {} }
/** vi.waitFor with room for a loaded machine (2 cores shared by several test runs). */
const until = <T>(check: () => T) => vi.waitFor(check, { timeout: 10_000, interval: 20 })

/** A tab: its own client, QueryClient and query on order 1, invalidated by broadcasts on `channel`. */
function tab(locks: TabLockManager | undefined, channel = 'order') {
  const client = new BroadcastClient(s.url, {
    WebSocket,
    signals: false,
    reconnectDelay: 50,
    logger: quiet,
    ...(locks ? { locks } : { shareAcrossTabs: false }),
  })
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 60_000 } } })
  queryClient.mount()
  let gets = 0
  const base = `http://127.0.0.1:${s.port}`
  const observer = new QueryObserver(queryClient, {
    queryKey: ['orders', '1'],
    queryFn: async () => {
      gets += 1
      return (await fetch(`${base}/orders/1`)).json() as Promise<{ version: number }>
    },
  })
  const stopObserving = observer.subscribe(() => {})
  const seen: BroadcastEvent[] = []
  const stopSeeing = client.subscribe(channel, (e) => seen.push(e))
  const invalidation = createBroadcastInvalidation({
    queryClient,
    client,
    channel,
    queryKeyPrefix: ['orders'],
  })
  client.connect()
  const apiFetch = withBroadcastOrigin(fetch, () => client)
  const t = {
    client,
    seen,
    get gets() {
      return gets
    },
    version: () => (queryClient.getQueryData(['orders', '1']) as { version: number } | undefined)?.version,
    async mutate() {
      await apiFetch(`${base}/orders/1`, { method: 'POST' })
      await queryClient.invalidateQueries({ queryKey: ['orders', '1'] })
    },
    close() {
      invalidation.dispose()
      stopSeeing()
      stopObserving()
      client.disconnect()
      queryClient.clear()
    },
  }
  cleanups.push(() => t.close())
  return t
}

const events = (t: { seen: BroadcastEvent[] }) => t.seen.filter((e) => e.kind === 'event')

/** Three tabs that only record what reaches their `order` subscription (no queries): leader first. */
function bareTabs(url: string, locks: TabLockManager, options: BroadcastClientOptions) {
  const tabs = [0, 1, 2].map(() => {
    const client = new BroadcastClient(url, { WebSocket, signals: false, logger: quiet, locks, ...options })
    const seen: BroadcastEvent[] = []
    client.subscribe('order', (event) => seen.push(event))
    client.connect()
    cleanups.push(() => client.disconnect())
    return { client, seen }
  })
  return tabs as [(typeof tabs)[number], ...typeof tabs]
}

describe('one connection shared by the tabs (BroadcastChannel + Web Locks semantics)', () => {
  it('three tabs hold one server connection; each gets only its own channels, and the server sees the union', async () => {
    s = await startRealServer()
    cleanups.push(() => s.close())
    const locks = inProcessLocks()
    const [a, b, c] = [tab(locks), tab(locks), tab(locks, 'contact')]
    for (const t of [a, b, c]) await until(() => expect(t.client.state).toBe('connected'))
    await until(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    await until(() => expect(s.backend.getSubscriberCount('contact')).toBe(1))
    expect(s.backend.getTotalConnections()).toBe(1)

    // Each tab has its own welcome: the connection's id with its own sub-origin.
    const ids = [a, b, c].map((t) => t.client.connectionId as string)
    expect(new Set(ids).size).toBe(3)
    const [connection] = ids.map((id) => id.split('~')[0])
    for (const id of ids) expect(id.startsWith(`${connection}~`)).toBe(true)

    await s.backend.broadcast('order', 'updated', { entity_id: '1' })
    await s.backend.broadcast('contact', 'updated', { entity_id: '9' })
    await until(() => expect(events(a)).toHaveLength(1))
    await until(() => expect(events(b)).toHaveLength(1))
    await until(() => expect(events(c)).toHaveLength(1))
    expect(events(a)[0]?.channel).toBe('order')
    expect(events(c)[0]?.channel).toBe('contact')

    // A tab leaving a channel others still follow does not unsubscribe the connection.
    b.close()
    await until(() => expect(a.client.state).toBe('connected'))
    await s.backend.broadcast('order', 'updated', { entity_id: '1' })
    await until(() => expect(events(a)).toHaveLength(2))
    expect(s.backend.getSubscriberCount('order')).toBe(1)
    expect(s.backend.getTotalConnections()).toBe(1)
  })

  it('each tab skips only its own echo: the others refetch a change made in another tab', async () => {
    // The echo arrives after the mutation's own refetch (an outbox), so only the origin tells.
    s = await startRealServer(0, { broadcastDelayMs: 50 })
    cleanups.push(() => s.close())
    const locks = inProcessLocks()
    const [a, b, c] = [tab(locks), tab(locks), tab(locks)]
    for (const t of [a, b, c]) await until(() => expect(t.gets).toBe(1))
    await until(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    await until(() => expect([a, b, c].every((t) => t.client.originToken !== null)).toBe(true))

    await b.mutate() // b refetches once itself (its mutation); its echo must not refetch again
    await until(() => expect(a.gets).toBe(2))
    await until(() => expect(c.gets).toBe(2))
    await until(() => expect(events(b)).toHaveLength(1))
    const echo = events(b)[0]
    expect(echo?.kind === 'event' && echo.origin).toBe(b.client.connectionId)
    expect(b.gets).toBe(2)
    for (const t of [a, b, c]) await until(() => expect(t.version()).toBe(1))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect([a.gets, b.gets, c.gets]).toEqual([2, 2, 2])
    expect(s.backend.getTotalConnections()).toBe(1)
  })

  it('when the leading tab goes away, another takes over: one connection again, and nothing is missed', async () => {
    s = await startRealServer()
    cleanups.push(() => s.close())
    const locks = inProcessLocks()
    const [a, b, c] = [tab(locks), tab(locks), tab(locks)]
    for (const t of [a, b, c]) await until(() => expect(t.client.state).toBe('connected'))
    await until(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    expect(s.backend.getTotalConnections()).toBe(1)

    const before = b.client.connectionId?.split('~')[0]
    a.close() // the first participant leads: its tab closes
    // A change while the others reconnect through the new leader: the reconnect resync catches it.
    await s.backend.broadcast('order', 'updated', { entity_id: '1' })
    for (const t of [b, c]) await until(() => expect(t.client.state).toBe('connected'))
    for (const t of [b, c]) await until(() => expect(t.seen.some((e) => e.kind === 'resync')).toBe(true))
    await until(() => expect(s.backend.getTotalConnections()).toBe(1))
    await until(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    // A new connection, held by another tab, shared by both.
    const after = b.client.connectionId?.split('~')[0]
    expect(after).not.toBe(before)
    expect(c.client.connectionId?.split('~')[0]).toBe(after)

    await s.backend.broadcast('order', 'updated', { entity_id: '1' })
    for (const t of [b, c]) await until(() => expect(events(t).length).toBeGreaterThanOrEqual(1))
  })

  it('a leader change is not a failure: tabs that never retry a drop still follow the new leader', async () => {
    s = await startRealServer()
    cleanups.push(() => s.close())
    const locks = inProcessLocks()
    // maxReconnectAttempts 0: a drop (1006) would leave a tab 'disconnected' for a minute.
    const tabs = bareTabs(s.url, locks, { maxReconnectAttempts: 0 })
    const [leader, ...others] = tabs
    for (const t of tabs) await until(() => expect(t.client.state).toBe('connected'))
    const states: string[] = []
    for (const t of others) t.client.onStateChange((state) => states.push(state))

    const connectionOf = (t: { client: BroadcastClient }) => t.client.connectionId?.split('~')[0]
    const before = connectionOf(leader)
    leader.client.disconnect() // the leading tab closes
    for (const t of others) {
      await until(() => expect([before, undefined]).not.toContain(connectionOf(t)))
      await until(() => expect(t.client.state).toBe('connected'))
    }
    expect(states).toContain('reconnecting')
    expect(states).not.toContain('disconnected')
    await until(() => expect(s.backend.getTotalConnections()).toBe(1))
    await until(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    await s.backend.broadcast('order', 'updated', { entity_id: '1' })
    for (const t of others) await until(() => expect(events(t)).toHaveLength(1))
  })

  it('after a takeover each tab recovers from its own positions through the new leader: just what changed, no full resync', async () => {
    let away = false // broadcasts lost on the way while true: what the tabs miss while the leader changes
    const history = await startHistoryServer(() => (away ? 'drop' : undefined))
    cleanups.push(() => history.close())
    // A log with a change in it already names its epoch in every ack (an empty one does not yet,
    // and positions counted before an epoch was named are not trusted across one).
    await history.change('first')
    const locks = inProcessLocks()
    const tabs = bareTabs(history.url, locks, { reconnectDelay: 50 })
    const [leader, ...others] = tabs
    for (const t of tabs) await until(() => expect(t.client.positions.order).toBe(1))
    await history.change('a')
    for (const t of tabs) await until(() => expect(t.client.positions.order).toBe(2))

    away = true
    leader.client.disconnect() // the leading tab closes
    await history.change('b') // position 3: nobody hears it live
    away = false
    for (const t of others) await until(() => expect(t.client.positions.order).toBe(3))
    for (const t of others) {
      expect(
        t.seen.map((e) => (e.kind === 'event' ? `${e.event} ${e.payload.entity_id}` : `resync ${e.reason}`)),
      ).toEqual(['updated a', 'recovered b'])
    }
    expect(history.backend.getTotalConnections()).toBe(1)
  })

  it('a leading tab the browser freezes steps down at once; another leads, and the frozen tab follows it after resume', async () => {
    s = await startRealServer()
    cleanups.push(() => s.close())
    const locks = inProcessLocks()
    // Each tab's page lifecycle: a `document` of its own, as the tab-leader module finds it when the tab connects.
    const pages: EventTarget[] = []
    const inPage = <T>(make: () => T): T => {
      const page = new EventTarget()
      pages.push(page)
      const had = Object.getOwnPropertyDescriptor(globalThis, 'document')
      Object.defineProperty(globalThis, 'document', { value: page, configurable: true })
      try {
        return make()
      } finally {
        if (had) Object.defineProperty(globalThis, 'document', had)
        else delete (globalThis as { document?: unknown }).document
      }
    }
    const [a, b, c] = [inPage(() => tab(locks)), inPage(() => tab(locks)), inPage(() => tab(locks))]
    const connectionOf = (t: { client: BroadcastClient }) => t.client.connectionId?.split('~')[0]
    await until(() => expect(connectionOf(a)).toBeDefined())
    const before = connectionOf(a)
    for (const t of [b, c]) await until(() => expect(connectionOf(t)).toBe(before))

    pages[0]?.dispatchEvent(new Event('freeze')) // a leads (it queued first)
    await until(() => expect([before, undefined]).not.toContain(connectionOf(b)))
    const after = connectionOf(b)
    // c, and in Node also the "frozen" a (its timers still run), reconnect through the new leader.
    for (const t of [a, c]) await until(() => expect(connectionOf(t)).toBe(after))
    await until(() => expect(s.backend.getTotalConnections()).toBe(1))
    await until(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    for (const t of [a, b, c]) await until(() => expect(t.client.catchingUp).toBe(false))

    pages[0]?.dispatchEvent(new Event('resume')) // queues again, behind the others
    await s.backend.broadcast('order', 'updated', { entity_id: '1' })
    for (const t of [a, b, c]) await until(() => expect(events(t)).toHaveLength(1))
    expect(s.backend.getTotalConnections()).toBe(1)
    expect(connectionOf(a)).toBe(after)
  })

  it('a tab that vanishes without a word (closed, crashed) loses its members: the channels only it followed are unsubscribed', async () => {
    s = await startRealServer()
    cleanups.push(() => s.close())
    const locks = inProcessLocks()
    const a = tab(locks)
    await until(() => expect(a.client.state).toBe('connected'))
    await until(() => expect(s.backend.getSubscriberCount('order')).toBe(1))

    // Another tab, speaking the tabs' protocol by hand: present (its lock), joined, following `contact`.
    const channel = new BroadcastChannel(tabChannelName(new URL(s.url).toString()))
    cleanups.push(() => channel.close())
    let crash: () => void = () => {}
    await new Promise<void>((held) => {
      void locks.request(participantLockName(new URL(s.url).toString(), 'gone'), {}, () => {
        held()
        return new Promise<void>((release) => {
          crash = release
        })
      })
    })
    const opened = new Promise<void>((resolve) => {
      channel.onmessage = (event: MessageEvent<TabMessage>) => {
        if (event.data.type === 'opened' && event.data.member === 'gone-1') resolve()
      }
    })
    channel.postMessage({ type: 'join', member: 'gone-1' } satisfies TabMessage)
    await opened
    channel.postMessage({
      type: 'send',
      member: 'gone-1',
      data: '{"subscribe":["contact"]}',
    } satisfies TabMessage)
    await until(() => expect(s.backend.getSubscriberCount('contact')).toBe(1))

    crash() // the tab is gone: no leave, only its lock released (as the browser does)
    await until(() => expect(s.backend.getSubscriberCount('contact')).toBe(0))
    expect(s.backend.getSubscriberCount('order')).toBe(1)
    expect(s.backend.getTotalConnections()).toBe(1)
  })

  it('presence: the shared connection is present while any tab is, editing if one edits; each tab hears the others outside its browser', async () => {
    s = await startRealServer()
    cleanups.push(() => s.close())
    const locks = inProcessLocks()
    const [a, b] = [tab(locks), tab(locks)]
    const outside = tab(undefined) // another device: its own connection
    for (const t of [a, b, outside]) await until(() => expect(t.client.welcome?.presence).toBe(true))
    await until(() => expect(s.backend.getTotalConnections()).toBe(2))
    const channel = presenceChannel('order', 1)
    const heard = () => {
      const lists: PresenceMember[][] = []
      return { lists, listener: (members: PresenceMember[]) => lists.push(members), last: () => lists.at(-1) }
    }
    const [onA, onB, onOutside] = [heard(), heard(), heard()]
    const inA = PresenceClient.of(a.client).join(channel, { state: 'editing', label: 'Tab A' }, onA.listener)
    const inB = PresenceClient.of(b.client).join(channel, { state: 'viewing', label: 'Tab B' }, onB.listener)
    const inOutside = PresenceClient.of(outside.client).join(
      channel,
      { label: 'Tablet C' },
      onOutside.listener,
    )
    const c = { id: expect.any(String), state: 'viewing', label: 'Tablet C' }
    await until(() =>
      expect(onOutside.last()).toEqual([{ id: expect.any(String), state: 'editing', label: 'Tab A' }]),
    )
    await until(() => expect(onA.last()).toEqual([c]))
    await until(() => expect(onB.last()).toEqual([c]))

    inA.leave() // the browser is still present through tab B, now only viewing
    await until(() =>
      expect(onOutside.last()).toEqual([{ id: expect.any(String), state: 'viewing', label: 'Tab B' }]),
    )
    expect(onB.last()).toEqual([c])
    inB.leave()
    await until(() => expect(onOutside.last()).toEqual([]))

    // A subscribe after all that is still answered to the right tab: nothing was left owed.
    const seen: BroadcastEvent[] = []
    b.client.subscribe('contact', (e) => seen.push(e))
    await until(() => expect(s.backend.getSubscriberCount('contact')).toBe(1))
    await s.backend.broadcast('contact', 'updated', { entity_id: '2' })
    await until(() => expect(seen.filter((e) => e.kind === 'event')).toHaveLength(1))
    inOutside.leave()
  })

  it("each tab's ping is answered to it: pings of several tabs at once keep every tab connected", async () => {
    s = await startRealServer()
    cleanups.push(() => s.close())
    const locks = inProcessLocks()
    // The page becoming visible makes a connected client probe its socket with a ping at once.
    const focusListeners = new Set<(focused: boolean) => void>()
    const focus = {
      subscribe(listener: (focused: boolean) => void) {
        focusListeners.add(listener)
        return () => focusListeners.delete(listener)
      },
    }
    const clients = [0, 1, 2].map(() => {
      const client = new BroadcastClient(s.url, {
        WebSocket,
        signals: { focus },
        logger: quiet,
        locks,
        pongTimeoutMs: 2_000,
      })
      client.subscribe('order', () => {})
      client.connect()
      cleanups.push(() => client.disconnect())
      return client
    })
    for (const client of clients) await until(() => expect(client.connectionId).not.toBeNull())
    await until(() => expect(new Set(clients.map((c) => c.connectionId?.split('~')[0])).size).toBe(1))
    const ids = clients.map((c) => c.connectionId)
    const states: string[] = []
    for (const client of clients) client.onStateChange((state) => states.push(state))

    // Each sends {"ping": 1}: the hub renumbers them, and each pong must reach its own tab in time.
    // Unanswered, a tab would drop its socket after pongTimeoutMs; two rounds, each waited out.
    for (let round = 0; round < 2; round += 1) {
      for (const listener of focusListeners) listener(true)
      await new Promise((resolve) => setTimeout(resolve, 2_500))
    }
    expect(states).toEqual([])
    expect(clients.map((c) => c.connectionId)).toEqual(ids)
    expect(s.backend.getTotalConnections()).toBe(1)
  })

  it('without Web Locks each client keeps its own socket (the fallback)', async () => {
    s = await startRealServer()
    cleanups.push(() => s.close())
    // Node 20 has BroadcastChannel but no navigator.locks: sharing is not possible, nothing breaks.
    expect((globalThis as { navigator?: { locks?: unknown } }).navigator?.locks).toBeUndefined()
    const clients = [0, 1].map(() => new BroadcastClient(s.url, { WebSocket, signals: false, logger: quiet }))
    for (const client of clients) {
      client.subscribe('order', () => {})
      client.connect()
      cleanups.push(() => client.disconnect())
    }
    await until(() => expect(s.backend.getTotalConnections()).toBe(2))
    // Each its own connection's id (once its welcome arrived), with no tab's sub-origin.
    for (const client of clients) await until(() => expect(client.connectionId).toMatch(/^[^~]+$/))
  })

  it('refuses a shareAcrossTabs that is not a boolean, naming the option', () => {
    expect(
      () => new BroadcastClient('ws://127.0.0.1:1/ws', { WebSocket, shareAcrossTabs: 'yes' as never }),
    ).toThrow(/shareAcrossTabs must be true or false/)
  })
})
