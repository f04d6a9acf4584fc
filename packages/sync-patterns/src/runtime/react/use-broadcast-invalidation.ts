import { hashKey, type QueryKey } from '@tanstack/query-core'
import { useQueryClient } from '@tanstack/react-query'
import { useContext, useEffect, useRef } from 'react'
import type { BroadcastInvalidation } from '../core/broadcast-invalidation.js'
import { getBroadcastClient } from '../core/broadcast-singleton.js'
import { consoleLogger } from '../core/logger.js'
import type { EntityCacheShape } from '../core/optimistic/entity-patches.js'
import { createBroadcastInvalidation } from '../core/sync-client.js'
import { BroadcastContext } from './broadcast-context.js'

export interface UseBroadcastInvalidationOptions {
  /** Broadcast channel, e.g. `'order'`. */
  channel: string
  /** Query key prefix, e.g. `['orders']` or `['orders', id]`. */
  queryKeyPrefix: QueryKey
  /** `false` invalidates nothing (an edit form); what arrives meanwhile is invalidated once when `true` again. */
  enabled?: boolean
  /** Skip this client's own echoes (default true). */
  suppressEcho?: boolean
  /**
   * How the entity sits in the cache (the generated `orderCache`); with its `versionField`, a
   * broadcast carrying the entity's new version skips queries already at it. Read when subscribing.
   */
  cache?: EntityCacheShape
}

let warnedNoClient = false

/**
 * Keeps `queryKeyPrefix` queries fresh from broadcast events on `channel`, with the rules of
 * `createBroadcastInvalidation` (entity events refresh the entity and the lists; others and resyncs
 * refresh everything under the prefix; own echoes are skipped; refetches are coalesced, never lost,
 * and wait for pending mutations; with a versioned `cache`, queries already at a broadcast's
 * entity version are not refetched). Uses the nearest `BroadcastProvider`, else `initBroadcast`'s
 * client; with neither it does nothing (and warns once).
 */
export function useBroadcastInvalidation({
  channel,
  queryKeyPrefix,
  enabled = true,
  suppressEcho = true,
  cache,
}: UseBroadcastInvalidationOptions): void {
  const queryClient = useQueryClient()
  const client = useContext(BroadcastContext)?.client ?? getBroadcastClient()
  const prefixHash = hashKey(queryKeyPrefix)
  const prefixRef = useRef(queryKeyPrefix)
  prefixRef.current = queryKeyPrefix
  const cacheRef = useRef(cache)
  cacheRef.current = cache
  const enabledRef = useRef(enabled)
  enabledRef.current = enabled
  const handleRef = useRef<BroadcastInvalidation | null>(null)

  // biome-ignore lint/correctness/useExhaustiveDependencies: the prefix is compared by hash, not identity
  useEffect(() => {
    if (!client) {
      if (!warnedNoClient) {
        warnedNoClient = true
        consoleLogger.warn(
          'useBroadcastInvalidation: no BroadcastProvider or initBroadcast() client; queries will not refresh from broadcasts',
        )
      }
      return
    }
    const handle = createBroadcastInvalidation({
      queryClient,
      client,
      channel,
      queryKeyPrefix: prefixRef.current,
      enabled: enabledRef.current,
      suppressEcho,
      ...(cacheRef.current ? { cache: cacheRef.current } : {}),
    })
    handleRef.current = handle
    return () => {
      handle.dispose()
      if (handleRef.current === handle) handleRef.current = null
    }
  }, [client, queryClient, channel, prefixHash, suppressEcho])

  useEffect(() => {
    handleRef.current?.setEnabled(enabled)
  }, [enabled])
}
