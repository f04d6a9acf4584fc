import { entityVersionOf } from '@pattern-stack/sync-protocol'
import type { QueryClient, QueryKey } from '@tanstack/query-core'
import type { BroadcastClient } from './broadcast-client.js'
import type { EntityVersionRequirement } from './cached-version.js'
import type { InvalidationScheduler } from './invalidation-scheduler.js'
import type { EntityCacheShape } from './optimistic/entity-patches.js'
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
  /**
   * How the channel's entity sits in the cache (the generated `orderCache`). With a `versionField`,
   * an event that carries the entity's new version (`payload.entity_version`) does not refetch the
   * queries whose cached data already holds it at that version or newer (see `holdsEntityVersion`).
   */
  cache?: EntityCacheShape
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
 *   other tabs have other connection ids and still refetch);
 * - an event with `payload.entity_version`, on a subscription whose `cache` names a `versionField`:
 *   the same queries, except those whose cached data already holds the entity at that version or
 *   newer when their refetch is due (a `refetch` inspect event with status `current`).
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
  const versioned = versionedCache(options.cache)
  let enabled = options.enabled ?? true
  const buffered = new Set<Target>()

  const apply = (target: Target, cause: number | undefined, version?: EntityVersionRequirement) => {
    if (target === EVERYTHING) {
      scheduler.invalidate(prefix, 'under', cause)
    } else {
      scheduler.invalidate([...prefix, target], 'under', cause, version)
      scheduler.invalidate(prefix, 'list', cause, version)
    }
  }

  /** What an event says of its entity's new version, when this subscription can use it. */
  const versionOf = (event: BroadcastEvent): EntityVersionRequirement | undefined => {
    const entityId = event.payload.entity_id
    if (!versioned || event.kind !== 'event' || entityId === undefined) return undefined
    const version = entityVersionOf(event.payload)
    return version === undefined ? undefined : { cache: versioned, entityId, version }
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
    if (enabled) apply(target, cause, versionOf(event))
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

/** The subscription's `cache` when it names a `versionField` (checked), else `undefined`. */
function versionedCache(cache: EntityCacheShape | undefined): EntityVersionRequirement['cache'] | undefined {
  if (cache === undefined) return undefined
  if (typeof cache !== 'object' || cache === null || typeof cache.root !== 'string') {
    throw new TypeError(
      `cache must be an entity's cache shape such as { root: 'orders' }, got ${String(cache)}`,
    )
  }
  if (cache.versionField === undefined) return undefined
  if (typeof cache.versionField !== 'string' || cache.versionField === '') {
    throw new TypeError(
      `cache.versionField must be a property name, got ${JSON.stringify(cache.versionField)}`,
    )
  }
  return cache as EntityVersionRequirement['cache']
}
