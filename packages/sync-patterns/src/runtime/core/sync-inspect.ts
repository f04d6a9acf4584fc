import type { QueryKey } from '@tanstack/query-core'
import { consoleLogger } from './logger.js'
import type { BroadcastEvent } from './types.js'

/**
 * What `SyncClient.inspect` reports, for devtools and logs: each broadcast that reached one of the
 * client's subscriptions and what became of it, each cached query it invalidated, the refetch that
 * followed (or why there was none) and its duration, and the pending optimistic changes. Every
 * event has `type` and `at` (`Date.now()`).
 *
 * Broadcasts and the invalidations they cause are tied by a `signal` number: a `broadcast` event
 * carries it, and each `invalidate` and `refetch` event names the signals it serves in `cause` /
 * `causes`. A connection's state and id are the `BroadcastClient`'s (`onStateChange`, `connectionId`).
 */
export type SyncInspectEvent =
  | BroadcastInspectEvent
  | EnabledInspectEvent
  | InvalidateInspectEvent
  | RefetchInspectEvent
  | OptimisticInspectEvent

export type SyncInspectListener = (event: SyncInspectEvent) => void

/**
 * A broadcast message (an event, or a resync with its `reason`) reached one of the client's
 * broadcast subscriptions. A message that reaches two subscriptions (say `['orders']` and
 * `['orders', id]` on channel `order`) gives two of these with the same `signal`.
 */
export interface BroadcastInspectEvent {
  type: 'broadcast'
  at: number
  /** This message's number: the `cause` of the invalidations it makes. */
  signal: number
  message: BroadcastEvent
  /** The subscription's channel and key prefix. */
  channel: string
  queryKeyPrefix: QueryKey
  /**
   * `invalidate`: handed to the scheduler; an `invalidate` event follows for each cached query it
   * reaches (none when nothing is cached under the prefix). `echo`: the change was this client's own
   * (`origin` is its connection id), its mutation refetches. `disabled`: the subscription is disabled;
   * it invalidates what arrived meanwhile once enabled again (an `enabled` event).
   */
  outcome: 'invalidate' | 'echo' | 'disabled'
}

/** A subscription was enabled again and invalidates what arrived while it was disabled (if anything did). */
export interface EnabledInspectEvent {
  type: 'enabled'
  at: number
  /** The `cause` of the invalidations it makes. */
  signal: number
  channel: string
  queryKeyPrefix: QueryKey
}

/** One cached query reached by an invalidation. */
export interface InvalidateInspectEvent {
  type: 'invalidate'
  at: number
  queryKey: QueryKey
  queryHash: string
  /** The signal that asked (`undefined` for a direct `scheduler.invalidate` call). */
  cause: number | undefined
  /**
   * `scheduled`: the query's refetch is planned in `dueInMs`. `coalesced`: a refetch of the query was
   * already waiting (for the signals in `into`); this invalidation joins it instead of adding one.
   */
  outcome: 'scheduled' | 'coalesced'
  dueInMs?: number
  into?: number[]
}

/**
 * What became of a query's waiting invalidations (`causes`: every signal coalesced into them):
 *
 * - `started`: the query refetches now; `succeeded` or `failed` follows with `durationMs`.
 * - `stale`: no fetch started (an inactive or disabled query): marked stale, fetched when next used.
 * - `held`: a pending mutation on an overlapping key could be overwritten; it runs once they settle.
 * - `waiting-for-fetch`: a fetch in flight may predate the change; one follow-up runs after it.
 * - `covered`: a fetch that started after the change already reads it; none is needed.
 * - `removed`: the query left the cache meanwhile; nothing to refresh.
 * - `current`: the cached data already holds the entity at the version each broadcast announced
 *   (`entity_version`), say from the client's own mutation or an earlier refetch; none is needed.
 */
export interface RefetchInspectEvent {
  type: 'refetch'
  at: number
  queryKey: QueryKey
  queryHash: string
  causes: number[]
  status:
    | 'started'
    | 'succeeded'
    | 'failed'
    | 'stale'
    | 'held'
    | 'waiting-for-fetch'
    | 'covered'
    | 'current'
    | 'removed'
  /** `succeeded` and `failed`: ms from the refetch's start to its end. */
  durationMs?: number
}

/**
 * A pending optimistic change (one patch of a mutation): `added` (shown; `queryKeys` are the cached
 * queries it changed), `confirmed` (the server accepted it; it stays until the refetch lands), then
 * `settled` (removed, its data now the server's) or `failed` (removed alone, the request failed).
 */
export interface OptimisticInspectEvent {
  type: 'optimistic'
  at: number
  /** The change's id in the registry. */
  change: number
  status: 'added' | 'confirmed' | 'settled' | 'failed'
  /** The patch's `label`, such as `update orders 42`. */
  label?: string
  queryKeys?: QueryKey[]
}

/**
 * Calls each listener with `event`; a listener that throws is reported and does not stop the
 * others or the runtime. Callers check `listeners.size` first, so nobody inspecting costs nothing.
 */
export function emitInspectEvent<TEvent>(
  listeners: ReadonlySet<(event: TEvent) => void>,
  event: TEvent,
): void {
  for (const listener of [...listeners]) {
    try {
      listener(event)
    } catch (error) {
      consoleLogger.warn('an inspect listener threw', error)
    }
  }
}

/** Adds `listener` to `listeners`, checking it is a function; returns the remover. */
export function addInspectListener<TEvent>(
  listeners: Set<(event: TEvent) => void>,
  listener: (event: TEvent) => void,
): () => void {
  if (typeof listener !== 'function') throw new TypeError('inspect needs a listener function')
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
  }
}
