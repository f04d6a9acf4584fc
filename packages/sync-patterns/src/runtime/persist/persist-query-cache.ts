import type { QueryClient } from '@tanstack/query-core'
import {
  type Persister,
  type PersistQueryClientOptions,
  persistQueryClient,
} from '@tanstack/query-persist-client-core'
import { createSyncStoragePersister } from '@tanstack/query-sync-storage-persister'

export interface PersistQueryCacheOptions {
  queryClient: QueryClient
  /** Where to keep the cache (default `localStorage`). Ignored when `persister` is given. */
  storage?: Storage
  /** Any TanStack persister, e.g. an IndexedDB one from `@tanstack/query-async-storage-persister`. */
  persister?: Persister
  /** Storage key (default `'sync-patterns-cache'`). */
  key?: string
  /** Discard a persisted cache older than this (ms, default 24 h). */
  maxAge?: number
  /** Change it to discard caches written by an older app version. */
  buster?: string
  /** Write at most this often (ms, default 1000). */
  throttleTime?: number
}

export interface PersistedQueryCache {
  /** Resolves once the persisted cache is back in the QueryClient (render after it to avoid a refetch flash). */
  restored: Promise<void>
  /** Stops writing the cache. */
  stop: () => void
}

/**
 * The spec's adoption Level 2, opt-in: the TanStack Query cache is saved to `localStorage` (or any
 * persister) and restored on the next page load, so data survives a refresh. Broadcast invalidation
 * is unchanged; after the restore, the usual staleness rules and the first connection's queries
 * refresh what changed meanwhile.
 */
export function persistQueryCache(options: PersistQueryCacheOptions): PersistedQueryCache {
  const {
    queryClient,
    key = 'sync-patterns-cache',
    maxAge = 24 * 60 * 60 * 1000,
    buster,
    throttleTime = 1000,
  } = options
  let persister = options.persister
  if (!persister) {
    const storage = options.storage ?? (globalThis as { localStorage?: Storage }).localStorage
    if (!storage)
      throw new TypeError('persistQueryCache needs a storage (no localStorage here) or a persister')
    persister = createSyncStoragePersister({ storage, key, throttleTime })
  }
  const [stop, restored] = persistQueryClient({
    // The persister packages may pin another query-core patch version; the QueryClient API they use is the same.
    queryClient: queryClient as unknown as PersistQueryClientOptions['queryClient'],
    persister,
    maxAge,
    ...(buster === undefined ? {} : { buster }),
  })
  return { restored, stop }
}
