import type { Query, QueryCacheNotifyEvent, QueryClient, QueryKey } from '@tanstack/query-core'
import { addInspectListener, emitInspectEvent, type OptimisticInspectEvent } from '../sync-inspect.js'

/** One pending optimistic change: which cached queries it touches and how. */
export interface OptimisticPatch {
  /** Whether this change affects the query with this key. */
  matches(queryKey: QueryKey): boolean
  /** The data with the change applied. Must not mutate `data`; return it unchanged when not applicable. */
  apply(data: unknown, queryKey: QueryKey): unknown
  /** Keys to create in the cache when absent, such as the detail of a created entity. */
  seed?: readonly QueryKey[]
  /** What the change is, for devtools and logs, such as `update orders 42`. */
  label?: string
}

/** A pending change as `OptimisticRegistry.pendingChanges` lists it. */
export interface PendingChangeInfo {
  change: number
  label?: string
  /** The server accepted it; it stays until the refetch with it has landed. */
  confirmed: boolean
}

interface PendingPatch {
  patch: OptimisticPatch
  /** Value of the registry's clock when the server accepted the change (undefined while in flight). */
  confirmedAt?: number
}

interface ServerData {
  data: unknown
  /** Registry clock value when this data arrived. */
  receivedAt: number
}

/**
 * Keeps a QueryClient's cache equal to "last server data + every pending optimistic change, in
 * the order they were made", for every query a pending change affects.
 *
 * TanStack's snapshot-and-rollback recipe breaks with concurrent mutations (rolling back one
 * restores a snapshot that erases the others) and with refetches that land while a change is in
 * flight (the server data replaces the optimistic value, then the value flickers back). Here each
 * change is a function, not a snapshot: a refetch becomes the new server data and the pending
 * changes are re-applied on top of it in the same synchronous cache notification (so no observer
 * renders the bare server data); a failed change is removed and the rest are re-applied.
 *
 * An app has one per QueryClient, in its `SyncClient` (`getSyncClient(queryClient).optimistic`).
 */
export class OptimisticRegistry {
  readonly #client: QueryClient
  readonly #pending = new Map<number, PendingPatch>()
  /** Last server data of every query a pending change has touched, by query hash. */
  readonly #server = new Map<string, ServerData>()
  #nextId = 1
  #clock = 0
  /** True while the registry writes to the cache itself, so it ignores its own events. */
  #writing = false
  readonly #unsubscribe: () => void
  readonly #inspectors = new Set<(event: OptimisticInspectEvent) => void>()

  constructor(client: QueryClient) {
    this.#client = client
    this.#unsubscribe = client.getQueryCache().subscribe((event) => this.#onCacheEvent(event))
  }

  /** Stops following the cache; pending changes stay where they are. */
  dispose(): void {
    this.#unsubscribe()
  }

  /** Number of changes not yet settled. */
  get pendingCount(): number {
    return this.#pending.size
  }

  /** The changes not yet settled, oldest first. */
  pendingChanges(): PendingChangeInfo[] {
    return [...this.#pending].map(([change, { patch, confirmedAt }]) => {
      const info: PendingChangeInfo = { change, confirmed: confirmedAt !== undefined }
      if (patch.label !== undefined) info.label = patch.label
      return info
    })
  }

  /** Whether a pending change is drawn on `query`'s data (then it is not the server's data alone). */
  isPatched(query: Query): boolean {
    return this.#pending.size > 0 && this.#affects(query)
  }

  /**
   * Calls `listener` as changes are added (with the cached queries they changed), confirmed by the
   * server, and settled or failed (see `OptimisticInspectEvent`). Returns the remover.
   */
  inspect(listener: (event: OptimisticInspectEvent) => void): () => void {
    return addInspectListener(this.#inspectors, listener)
  }

  #report(
    change: number,
    status: OptimisticInspectEvent['status'],
    patch: OptimisticPatch,
    queryKeys?: QueryKey[],
  ) {
    const event: OptimisticInspectEvent = { type: 'optimistic', at: Date.now(), change, status }
    if (patch.label !== undefined) event.label = patch.label
    if (queryKeys) event.queryKeys = queryKeys
    emitInspectEvent(this.#inspectors, event)
  }

  /** Applies a change to every affected cached query (and seeds absent ones); returns its id. */
  add(patch: OptimisticPatch): number {
    const id = this.#nextId++
    this.#pending.set(id, { patch })
    const cache = this.#client.getQueryCache()
    const touched: QueryKey[] | undefined = this.#inspectors.size > 0 ? [] : undefined
    for (const key of patch.seed ?? []) {
      const options = this.#client.defaultQueryOptions({ queryKey: key })
      if (!cache.get(options.queryHash))
        this.#server.set(options.queryHash, { data: undefined, receivedAt: this.#clock })
      this.#render(cache.build(this.#client, options))
      if (!patch.matches(key)) touched?.push(key) // else the loop below lists it
    }
    for (const query of cache.getAll()) {
      if (patch.matches(query.queryKey)) {
        this.#render(query)
        touched?.push(query.queryKey)
      }
    }
    if (touched) this.#report(id, 'added', patch, touched)
    return id
  }

  /** Records that the server accepted the change; refetches landing after this include it. */
  confirm(id: number): void {
    const entry = this.#pending.get(id)
    if (!entry) return
    entry.confirmedAt = ++this.#clock
    if (this.#inspectors.size > 0) this.#report(id, 'confirmed', entry.patch)
  }

  /**
   * Ends a change. `failed`: removes it and re-renders the affected queries from their server data
   * plus the other pending changes. `confirmed`: queries refetched since the server accepted it
   * already contain it; for the others (inactive queries that were only marked stale) the change is
   * folded into their server data, so they keep showing it until their next fetch.
   */
  settle(id: number, outcome: 'confirmed' | 'failed'): void {
    const entry = this.#pending.get(id)
    if (!entry) return
    this.#pending.delete(id)
    const cache = this.#client.getQueryCache()
    for (const [hash, server] of this.#server) {
      const query = cache.get(hash)
      if (!query) {
        this.#server.delete(hash)
        continue
      }
      if (!entry.patch.matches(query.queryKey) && !this.#isSeed(entry.patch, query)) continue
      if (outcome === 'confirmed' && server.receivedAt < (entry.confirmedAt ?? Number.POSITIVE_INFINITY)) {
        server.data = entry.patch.apply(server.data, query.queryKey)
      }
      this.#render(query)
    }
    if (this.#pending.size === 0) this.#server.clear()
    if (this.#inspectors.size > 0) this.#report(id, outcome === 'failed' ? 'failed' : 'settled', entry.patch)
  }

  #isSeed(patch: OptimisticPatch, query: Query): boolean {
    return (patch.seed ?? []).some(
      (key) => this.#client.defaultQueryOptions({ queryKey: key }).queryHash === query.queryHash,
    )
  }

  #onCacheEvent(event: QueryCacheNotifyEvent): void {
    if (this.#writing) return
    if (event.type === 'removed') {
      this.#server.delete(event.query.queryHash)
      return
    }
    if (event.type !== 'updated' || event.action.type !== 'success') return
    const { query } = event
    if (!this.#server.has(query.queryHash) && !this.#affects(query)) return
    // New server data (a fetch, or someone else's setQueryData): rebase the pending changes on it.
    this.#server.set(query.queryHash, { data: query.state.data, receivedAt: ++this.#clock })
    this.#render(query)
  }

  #affects(query: Query): boolean {
    for (const { patch } of this.#pending.values()) {
      if (patch.matches(query.queryKey) || this.#isSeed(patch, query)) return true
    }
    return false
  }

  /** Writes server data + pending changes into the query, keeping its server timestamp and staleness. */
  #render(query: Query): void {
    let server = this.#server.get(query.queryHash)
    if (!server) {
      server = { data: query.state.data, receivedAt: this.#clock }
      this.#server.set(query.queryHash, server)
    }
    let data = server.data
    for (const { patch } of this.#pending.values()) {
      if (patch.matches(query.queryKey) || this.#isSeed(patch, query))
        data = patch.apply(data, query.queryKey)
    }
    if (data === query.state.data) return
    this.#writing = true
    try {
      if (data === undefined) {
        // A seeded entry whose change failed: nothing was ever fetched, so forget it.
        this.#client.resetQueries({ queryKey: query.queryKey, exact: true }).catch(() => {})
        return
      }
      const wasInvalidated = query.state.isInvalidated
      const updatedAt = query.state.dataUpdatedAt
      this.#client.setQueryData(query.queryKey, data, updatedAt ? { updatedAt } : undefined)
      if (wasInvalidated) query.invalidate()
    } finally {
      this.#writing = false
    }
  }
}
