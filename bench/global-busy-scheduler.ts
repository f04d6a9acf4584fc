/**
 * The invalidation scheduler as it was before issue 15 (commit c3cc8d3), kept only so
 * bench:invalidation can measure it beside the current one in the same run: its busy rule is
 * global (a 64 ms debounce for every key whenever any window closed in the last 250 ms), so under
 * steady traffic a lone change waits as long as a burst. Not part of the runtime, and frozen: the
 * runtime's rule lives in packages/sync-patterns/src/runtime/core/invalidation-scheduler.ts.
 */
import {
  hasPendingMutation,
  isKeyUnder,
  isListKeyOf,
  type KeyMatch,
} from '@pattern-stack/sync-patterns/runtime/core'
import type { Query, QueryClient, QueryKey } from '@tanstack/query-core'

interface GlobalBusySchedulerOptions {
  /**
   * Refetches run once no new invalidation arrived for this many ms (debounce). Default 8: one frame
   * of a 120 Hz tablet or phone display, half of a 60 Hz one. A shorter wait cannot be painted any
   * sooner; a longer one adds straight to the cross-client latency (bench:e2e).
   */
  coalesceMs?: number
  /**
   * The debounce while the stream is busy, i.e. when the previous window closed less than
   * `maxDelayMs` ago (default 64): a burst with short pauses then still ends in one refetch
   * instead of one per pause, while a lone event waits only `coalesceMs`.
   */
  busyCoalesceMs?: number
  /** ...but at the latest this many ms after the oldest waiting invalidation, so a steady stream cannot starve them. Default 250. */
  maxDelayMs?: number
  /**
   * Whether a refetch of `queryKey` must wait because a pending change could be overwritten by it.
   * Default: any pending mutation whose `mutationKey` overlaps it (`hasPendingMutation`). A
   * `SyncClient` leaves out the mutations whose changes its optimistic registry keeps.
   */
  isHeld?: (queryKey: QueryKey) => boolean
}

interface Entry {
  query: Query
  /** When the latest request arrived (ms). */
  requestedAt: number
  /** The fetch that was in flight when the latest request arrived: its result may predate the change. */
  staleFetch: Promise<unknown> | undefined
  /** Fetches that completed after `requestedAt` (seen through the query cache's events). */
  completionsAfter: number
  /** Waiting for pending mutations on this key to settle. */
  blocked: boolean
  /** Waiting for `staleFetch` to settle. */
  awaitingFetch: boolean
}

function inFlight(query: Query): Promise<unknown> | undefined {
  return query.state.fetchStatus === 'idle' ? undefined : query.promise
}

export class GlobalBusyScheduler {
  readonly queryClient: QueryClient
  readonly #coalesceMs: number
  readonly #busyCoalesceMs: number
  readonly #maxDelayMs: number
  readonly #isHeld: (queryKey: QueryKey) => boolean
  readonly #entries = new Map<string, Entry>()
  /** Entries waiting for the debounce window to close. */
  readonly #window = new Set<Entry>()
  #windowTimer: ReturnType<typeof setTimeout> | undefined
  #windowOpenedAt = 0
  #windowDebounceMs = 0
  #lastWindowClosedAt: number | undefined
  #unsubscribeMutations: (() => void) | undefined
  #unsubscribeQueries: (() => void) | undefined

  constructor(queryClient: QueryClient, options: GlobalBusySchedulerOptions = {}) {
    if (!queryClient || typeof queryClient.getQueryCache !== 'function') {
      throw new TypeError('GlobalBusyScheduler needs a QueryClient')
    }
    const { isHeld, ...delays } = options
    for (const [name, value] of Object.entries(delays)) {
      if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
        throw new TypeError(`${name} must be a non-negative number of ms, got ${String(value)}`)
      }
    }
    if (isHeld !== undefined && typeof isHeld !== 'function') throw new TypeError('isHeld must be a function')
    this.queryClient = queryClient
    this.#isHeld = isHeld ?? ((queryKey) => hasPendingMutation(queryClient, queryKey))
    this.#coalesceMs = options.coalesceMs ?? 8
    this.#busyCoalesceMs = Math.max(options.busyCoalesceMs ?? 64, this.#coalesceMs)
    this.#maxDelayMs = Math.max(options.maxDelayMs ?? 250, this.#busyCoalesceMs)
  }

  /** Queries waiting for their refetch (in the window, behind a fetch or behind a mutation). */
  get pendingCount(): number {
    return this.#entries.size
  }

  /** Schedules a refetch of every cached query `queryKey` reaches (see `KeyMatch`). */
  invalidate(queryKey: QueryKey, match: KeyMatch = 'under'): void {
    if (!Array.isArray(queryKey)) throw new TypeError('queryKey must be an array')
    const matches = match === 'list' ? isListKeyOf : isKeyUnder
    const queries = this.queryClient
      .getQueryCache()
      .findAll({ predicate: (query) => matches(query.queryKey, queryKey) })
    for (const query of queries) this.#request(query)
  }

  /** Cancels everything scheduled and stops watching mutations. */
  dispose(): void {
    clearTimeout(this.#windowTimer)
    this.#windowTimer = undefined
    this.#window.clear()
    this.#entries.clear()
    this.#unsubscribeMutations?.()
    this.#unsubscribeMutations = undefined
    this.#unsubscribeQueries?.()
    this.#unsubscribeQueries = undefined
  }

  #request(query: Query): void {
    const now = Date.now()
    let entry = this.#entries.get(query.queryHash)
    if (!entry || entry.query !== query) {
      entry = {
        query,
        requestedAt: now,
        staleFetch: undefined,
        completionsAfter: 0,
        blocked: false,
        awaitingFetch: false,
      }
      this.#entries.set(query.queryHash, entry)
    }
    entry.staleFetch = inFlight(query)
    entry.requestedAt = now
    entry.completionsAfter = 0
    this.#watchFetches()
    // Behind a fetch or a mutation, the refetch is already due once they settle.
    if (entry.blocked || entry.awaitingFetch) return
    if (this.#window.size === 0) {
      this.#windowOpenedAt = now
      const busy = this.#lastWindowClosedAt !== undefined && now - this.#lastWindowClosedAt < this.#maxDelayMs
      this.#windowDebounceMs = busy ? this.#busyCoalesceMs : this.#coalesceMs
    }
    this.#window.add(entry)
    clearTimeout(this.#windowTimer)
    const delay = Math.min(this.#windowDebounceMs, this.#windowOpenedAt + this.#maxDelayMs - now)
    this.#windowTimer = setTimeout(() => this.#closeWindow(), Math.max(delay, 0))
  }

  #closeWindow(): void {
    this.#windowTimer = undefined
    this.#lastWindowClosedAt = Date.now()
    const entries = [...this.#window]
    this.#window.clear()
    for (const entry of entries) this.#flush(entry)
  }

  #flush(entry: Entry): void {
    if (this.#entries.get(entry.query.queryHash) !== entry) return
    const { query } = entry
    if (this.queryClient.getQueryCache().get(query.queryHash) !== query) {
      this.#entries.delete(query.queryHash) // removed from the cache: nothing left to refresh
      return
    }
    if (this.#isHeld(query.queryKey)) {
      entry.blocked = true
      this.#watchMutations()
      return
    }
    entry.blocked = false
    if (entry.completionsAfter >= (entry.staleFetch === undefined ? 1 : 2)) {
      // A fetch that started after the latest request already completed (e.g. a mutation's
      // onSettled refetch that finished before we noticed the mutation settle).
      this.#entries.delete(query.queryHash)
      return
    }
    const current = inFlight(query)
    if (current !== undefined) {
      if (current !== entry.staleFetch) {
        // Started after the latest request, so it already reads the changed state.
        this.#entries.delete(query.queryHash)
        return
      }
      entry.awaitingFetch = true
      const settle = () => {
        entry.awaitingFetch = false
        this.#flush(entry)
      }
      current.then(settle, settle)
      return
    }
    this.#entries.delete(query.queryHash)
    // Nothing is in flight, so cancelRefetch has nothing to cancel; `false` states the intent.
    void this.queryClient.invalidateQueries(
      { queryKey: query.queryKey, exact: true },
      { cancelRefetch: false },
    )
  }

  /**
   * Counts fetch completions per waiting query. Cache events arrive batched (after a macrotask),
   * so a completion is attributed by its timestamp, strictly after the request: a fetch that was
   * idle at request time and completed after it must have started after it. Manual writes
   * (`setQueryData`, optimistic updates) are not fetches and do not count.
   */
  #watchFetches(): void {
    if (this.#unsubscribeQueries) return
    this.#unsubscribeQueries = this.queryClient.getQueryCache().subscribe((event) => {
      if (event.type !== 'updated') return
      const entry = this.#entries.get(event.query.queryHash)
      if (!entry || entry.query !== event.query) return
      const { action } = event
      const completedAt =
        action.type === 'success' && !action.manual
          ? event.query.state.dataUpdatedAt
          : action.type === 'error'
            ? event.query.state.errorUpdatedAt
            : undefined
      if (completedAt !== undefined && completedAt > entry.requestedAt) entry.completionsAfter += 1
    })
  }

  #watchMutations(): void {
    if (this.#unsubscribeMutations) return
    this.#unsubscribeMutations = this.queryClient.getMutationCache().subscribe(() => {
      for (const entry of [...this.#entries.values()]) {
        if (entry.blocked && !this.#isHeld(entry.query.queryKey)) this.#flush(entry)
      }
      if (![...this.#entries.values()].some((entry) => entry.blocked)) {
        this.#unsubscribeMutations?.()
        this.#unsubscribeMutations = undefined
      }
    })
  }
}
