import type { QueryClient, QueryKey } from '@tanstack/query-core'
import type { BroadcastClient } from './broadcast-client.js'
import type { InvalidationScheduler } from './invalidation-scheduler.js'
import { entityIdKey } from './query-keys.js'
import type { BroadcastInspectEvent } from './sync-inspect.js'
import type { BroadcastEvent } from './types.js'

/** What `SyncClient.invalidateOnBroadcast` keeps fresh, from which broadcasts. */
export interface BroadcastSubscriptionOptions {
  client: BroadcastClient
  /** Broadcast channel, e.g. `'order'`. */
  channel: string
  /** Query key prefix of the entity, e.g. `['orders']` or `['orders', id]`. */
  queryKeyPrefix: QueryKey
  /** `false` invalidates nothing; what arrives meanwhile is invalidated once when enabled again. Default true. */
  enabled?: boolean
  /** Skip events this client caused itself (their `origin` is its connection id). Default true. */
  suppressEcho?: boolean
}

/** `createBroadcastInvalidation`'s options: a subscription on `queryClient`'s `SyncClient`. */
export interface BroadcastInvalidationOptions extends BroadcastSubscriptionOptions {
  queryClient: QueryClient
  /** Defaults to the scheduler shared by everything on `queryClient` (its `SyncClient`'s). */
  scheduler?: InvalidationScheduler
}

export interface BroadcastInvalidation {
  setEnabled(enabled: boolean): void
  /** Stops listening and forgets buffered events. */
  dispose(): void
}

/**
 * How a subscription tells its `SyncClient`'s inspect stream what it does: each message and its
 * outcome, and each re-enable that invalidates what was buffered. Each returns the signal number
 * the scheduler's requests then carry, or `undefined` while nobody inspects.
 */
export interface SubscriptionInspector {
  received(message: BroadcastEvent, outcome: BroadcastInspectEvent['outcome']): number | undefined
  enabled(): number | undefined
}

const EVERYTHING = Symbol('everything under the prefix')
/** An entity id as `entityIdKey` compares it (so `42` and `'42'` are buffered once), or everything. */
type Target = string | number | typeof EVERYTHING

/**
 * Invalidates `queryKeyPrefix` queries when events arrive on `channel` (the spec's rules):
 *
 * - event with `payload.entity_id` (a string or an integer; `42` and `'42'` are the same entity,
 *   see `entityIdKey`): `[...prefix, entity_id]` and everything under it, and the
 *   prefix "exactly", which here means the prefix itself or the prefix plus one plain object
 *   (`['orders', { status: 'draft' }]`, a list with parameters), so every list that may show the
 *   entity refreshes while other entities' details do not;
 * - event without `entity_id`, and every resync (including the client's for a broadcast on the
 *   channel it could not read): everything under the prefix;
 * - an event whose `origin` is this client's own connection id: nothing (its mutation refetches;
 *   other tabs have other connection ids and still refetch).
 *
 * Refetches go through the coalescing `scheduler` (see `InvalidationScheduler`). Apps call it through
 * `SyncClient.invalidateOnBroadcast`, `createBroadcastInvalidation` or `useBroadcastInvalidation`.
 */
export function invalidateOnBroadcast(
  scheduler: InvalidationScheduler,
  options: BroadcastSubscriptionOptions,
  inspector?: SubscriptionInspector,
): BroadcastInvalidation {
  const { client, channel, queryKeyPrefix, suppressEcho = true } = options
  if (!Array.isArray(queryKeyPrefix)) {
    throw new TypeError(
      `queryKeyPrefix must be an array such as ['orders'], got ${JSON.stringify(queryKeyPrefix)}`,
    )
  }
  const prefix = [...queryKeyPrefix]
  let enabled = options.enabled ?? true
  const buffered = new Set<Target>()

  const apply = (target: Target, cause: number | undefined) => {
    if (target === EVERYTHING) {
      scheduler.invalidate(prefix, 'under', cause)
    } else {
      scheduler.invalidate([...prefix, target], 'under', cause)
      scheduler.invalidate(prefix, 'list', cause)
    }
  }

  const onEvent = (event: BroadcastEvent) => {
    if (
      event.kind === 'event' &&
      suppressEcho &&
      event.origin !== undefined &&
      event.origin === client.connectionId
    ) {
      inspector?.received(event, 'echo')
      return
    }
    const entityId = event.kind === 'event' ? event.payload.entity_id : undefined
    const target: Target = entityId === undefined ? EVERYTHING : entityIdKey(entityId)
    const cause = inspector?.received(event, enabled ? 'invalidate' : 'disabled')
    if (enabled) apply(target, cause)
    else buffered.add(target)
  }

  const unsubscribe = client.subscribe(channel, onEvent)

  return {
    setEnabled(next) {
      if (next === enabled) return
      enabled = next
      if (!enabled) return
      const targets: Target[] = buffered.has(EVERYTHING) ? [EVERYTHING] : [...buffered]
      buffered.clear()
      const cause = targets.length > 0 ? inspector?.enabled() : undefined
      for (const target of targets) apply(target, cause)
    },
    dispose() {
      buffered.clear()
      unsubscribe()
    },
  }
}
