import type { Query, QueryClient, QueryKey } from '@tanstack/query-core'
import { type EntityVersionRequirement, holdsEntityVersion } from './cached-version.js'
import { hasPendingMutation } from './pending-mutations.js'
import { entityIdKey, isKeyUnder, isListKeyOf } from './query-keys.js'
import {
  addInspectListener,
  emitInspectEvent,
  type InvalidateInspectEvent,
  type RefetchInspectEvent,
} from './sync-inspect.js'

export interface InvalidationSchedulerOptions {
  /**
   * Refetches run once no new invalidation arrived for this many ms (debounce). Default 8: one frame
   * of a 120 Hz tablet or phone display, half of a 60 Hz one. A shorter wait cannot be painted any
   * sooner; a longer one adds straight to the cross-client latency (bench:e2e).
   */
  coalesceMs?: number
  /**
   * The debounce for a busy query, i.e. one whose previous invalidation arrived less than this many
   * ms ago (default 64): a burst on one entity with pauses shorter than this then still ends in one
   * refetch more instead of one per pause. Busy is per query, so a change to an entity with no
   * recent events waits only `coalesceMs`, however busy other entities are; and an entity changed
   * every 100 ms or more is not held back either (the wait would merge nothing).
   */
  busyCoalesceMs?: number
  /** ...but at the latest this many ms after the query's oldest waiting invalidation, so a steady stream cannot starve it. Default 250. */
  maxDelayMs?: number
  /**
   * Whether a refetch of `queryKey` must wait because a pending change could be overwritten by it.
   * Default: any pending mutation whose `mutationKey` overlaps it (`hasPendingMutation`). A
   * `SyncClient` leaves out the mutations whose changes its optimistic registry keeps.
   */
  isHeld?: (queryKey: QueryKey) => boolean
  /**
   * Whether a pending optimistic change is drawn on the query's data (then its rows are not the
   * server's and prove no version). Default: never. A `SyncClient` asks its optimistic registry.
   */
  isOptimistic?: (query: Query) => boolean
}

/** Which cached queries an invalidation reaches. */
export type KeyMatch =
  /** Every query whose key starts with the key (TanStack's default prefix matching). */
  | 'under'
  /** The key itself, or the key plus one plain object (a parameterised list): see `isListKeyOf`. */
  | 'list'

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
  /** While in the window: when its first waiting request arrived, its debounce, and when it closes. */
  windowOpenedAt: number
  debounceMs: number
  dueAt: number
  /** The signals (`invalidate`'s `cause`) this entry's refetch serves, for the inspect stream. */
  causes: number[]
  /**
   * When every request named the entity version it announces: the highest per entity. The refetch
   * is skipped if the cached data already holds them all (`holdsEntityVersion`). `undefined` once
   * any request named none: it always refetches.
   */
  versions: Map<string | number, EntityVersionRequirement> | undefined
}

/** What the scheduler reports to `inspect` listeners. */
export type SchedulerInspectEvent = InvalidateInspectEvent | RefetchInspectEvent

function inFlight(query: Query): Promise<unknown> | undefined {
  return query.state.fetchStatus === 'idle' ? undefined : query.promise
}

/**
 * Turns a stream of "this changed" signals into as few refetches as correctness allows:
 *
 * - Coalescing, per query: a query's invalidations are collected while they keep coming (a
 *   debounce of `coalesceMs`, one frame by default, bounded by `maxDelayMs` after the first), then
 *   it refetches once. While a query is busy (its previous invalidation arrived less than
 *   `busyCoalesceMs` ago) its debounce is `busyCoalesceMs`, so a burst on one entity (events less
 *   than `busyCoalesceMs` apart) costs at most two refetches (one a frame after it starts, one
 *   after it ends) instead of one per pause, plus one per `maxDelayMs` while it lasts. Each
 *   query has its own window: a change to an entity with no recent events refetches one frame
 *   later, however busy the rest of the stream is (a steady stream on one entity, or a list every
 *   event reaches, does not hold back a detail that changed once).
 * - No lost update: a request that arrives while a fetch is in flight cannot trust that fetch (it
 *   may have read the database before the change), so exactly one follow-up refetch runs after it
 *   settles, however many requests arrived meanwhile. A fetch that *started* after the request
 *   already sees the change, so none is added. (TanStack's `invalidateQueries` default,
 *   `cancelRefetch: true`, would instead cancel and restart per event: the cancelled requests still
 *   reach the server, and a steady stream can keep a query from ever finishing.)
 * - Pending-mutation guard: while a mutation whose key overlaps the query's is pending, the refetch
 *   waits (it could overwrite the optimistic state with a server state that predates the mutation),
 *   then runs once when they have settled, unless a fetch started since covers it (`isHeld`).
 * - Already current: when every request for a query named the entity version its broadcast
 *   announces (`entity_version`), the refetch is skipped if, when it is due (after the window, any
 *   fetch in flight and any held mutation), the cached data already holds those versions: a
 *   mutation's response, a refetch that already read them (see `holdsEntityVersion`).
 *
 * An app has one per QueryClient, in its `SyncClient` (`getSyncClient(queryClient).scheduler`).
 */
export class InvalidationScheduler {
  readonly queryClient: QueryClient
  readonly #coalesceMs: number
  readonly #busyCoalesceMs: number
  readonly #maxDelayMs: number
  readonly #isHeld: (queryKey: QueryKey) => boolean
  readonly #isOptimistic: (query: Query) => boolean
  /** Queries whose data was last written by `setQueryData`, not a fetch: their lists prove no version. */
  readonly #writtenByHand = new WeakSet<Query>()
  readonly #unsubscribeWrites: () => void
  readonly #entries = new Map<string, Entry>()
  /** Entries waiting for their debounce window to close. */
  readonly #window = new Set<Entry>()
  /** When each query's latest invalidation arrived, kept for `busyCoalesceMs`: within it the query is busy. */
  readonly #lastRequestAt = new Map<string, number>()
  /** One timer, for the window that closes first. */
  #timer: ReturnType<typeof setTimeout> | undefined
  #timerDueAt = 0
  #unsubscribeMutations: (() => void) | undefined
  #unsubscribeQueries: (() => void) | undefined
  readonly #inspectors = new Set<(event: SchedulerInspectEvent) => void>()

  constructor(queryClient: QueryClient, options: InvalidationSchedulerOptions = {}) {
    if (!queryClient || typeof queryClient.getQueryCache !== 'function') {
      throw new TypeError('InvalidationScheduler needs a QueryClient')
    }
    const { isHeld, isOptimistic, ...delays } = options
    for (const [name, value] of Object.entries(delays)) {
      if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
        throw new TypeError(`${name} must be a non-negative number of ms, got ${String(value)}`)
      }
    }
    if (isHeld !== undefined && typeof isHeld !== 'function') throw new TypeError('isHeld must be a function')
    if (isOptimistic !== undefined && typeof isOptimistic !== 'function') {
      throw new TypeError('isOptimistic must be a function')
    }
    this.queryClient = queryClient
    this.#isHeld = isHeld ?? ((queryKey) => hasPendingMutation(queryClient, queryKey))
    this.#isOptimistic = isOptimistic ?? (() => false)
    this.#unsubscribeWrites = queryClient.getQueryCache().subscribe((event) => {
      if (event.type !== 'updated' || event.action.type !== 'success') return
      if (event.action.manual) this.#writtenByHand.add(event.query)
      else this.#writtenByHand.delete(event.query)
    })
    this.#coalesceMs = options.coalesceMs ?? 8
    this.#busyCoalesceMs = Math.max(options.busyCoalesceMs ?? 64, this.#coalesceMs)
    this.#maxDelayMs = Math.max(options.maxDelayMs ?? 250, this.#busyCoalesceMs)
  }

  /** Queries waiting for their refetch (in the window, behind a fetch or behind a mutation). */
  get pendingCount(): number {
    return this.#entries.size
  }

  /**
   * Schedules a refetch of every cached query `queryKey` reaches (see `KeyMatch`). `cause`, a signal
   * number of the inspect stream (a `broadcast` event's `signal`), is reported with the
   * `invalidate` and `refetch` events this request leads to. `version`, from a broadcast that named
   * its entity's new version: a query whose cached data already holds the entity at that version
   * or newer when its refetch is due is not refetched (`holdsEntityVersion`; a `refetch` event
   * with status `current`).
   */
  invalidate(
    queryKey: QueryKey,
    match: KeyMatch = 'under',
    cause?: number,
    version?: EntityVersionRequirement,
  ): void {
    if (!Array.isArray(queryKey)) throw new TypeError('queryKey must be an array')
    const matches = match === 'list' ? isListKeyOf : isKeyUnder
    const queries = this.queryClient
      .getQueryCache()
      .findAll({ predicate: (query) => matches(query.queryKey, queryKey) })
    for (const query of queries) this.#request(query, cause, version)
    this.#armTimer()
  }

  /**
   * Calls `listener` for each query an invalidation reaches (`invalidate`: scheduled, or coalesced
   * into a refetch already waiting) and for what became of it (`refetch`: started, then succeeded or
   * failed with its duration; or stale, held, waiting-for-fetch, covered, removed). See
   * `SyncInspectEvent`. Returns the remover. Without listeners nothing is recorded.
   */
  inspect(listener: (event: SchedulerInspectEvent) => void): () => void {
    return addInspectListener(this.#inspectors, listener)
  }

  /** Cancels everything scheduled and stops watching mutations. */
  dispose(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#window.clear()
    this.#lastRequestAt.clear()
    this.#entries.clear()
    this.#unsubscribeMutations?.()
    this.#unsubscribeMutations = undefined
    this.#unsubscribeQueries?.()
    this.#unsubscribeQueries = undefined
    this.#unsubscribeWrites()
  }

  #request(query: Query, cause: number | undefined, version: EntityVersionRequirement | undefined): void {
    const now = Date.now()
    let entry = this.#entries.get(query.queryHash)
    const waiting = entry !== undefined && entry.query === query
    if (!entry || entry.query !== query) {
      entry = {
        query,
        requestedAt: now,
        staleFetch: undefined,
        completionsAfter: 0,
        blocked: false,
        awaitingFetch: false,
        windowOpenedAt: now,
        debounceMs: this.#coalesceMs,
        dueAt: now,
        causes: [],
        versions: new Map(),
      }
      this.#entries.set(query.queryHash, entry)
    }
    if (version === undefined) entry.versions = undefined
    else if (entry.versions) {
      const id = entityIdKey(version.entityId)
      const known = entry.versions.get(id)
      if (!known || known.version < version.version) entry.versions.set(id, version)
    }
    // The same signal again (it reached two subscriptions): already reported and counted.
    const repeated = cause !== undefined && entry.causes.includes(cause)
    const into = repeated || this.#inspectors.size === 0 ? undefined : [...entry.causes]
    if (cause !== undefined && !repeated) entry.causes.push(cause)
    const previousRequestAt = this.#lastRequestAt.get(query.queryHash)
    this.#lastRequestAt.set(query.queryHash, now)
    entry.staleFetch = inFlight(query)
    entry.requestedAt = now
    entry.completionsAfter = 0
    this.#watchFetches()
    // Behind a fetch or a mutation, the refetch is already due once they settle.
    if (!entry.blocked && !entry.awaitingFetch) {
      if (!this.#window.has(entry)) {
        const busy = previousRequestAt !== undefined && now - previousRequestAt < this.#busyCoalesceMs
        entry.windowOpenedAt = now
        entry.debounceMs = busy ? this.#busyCoalesceMs : this.#coalesceMs
        this.#window.add(entry)
      }
      entry.dueAt = Math.min(now + entry.debounceMs, entry.windowOpenedAt + this.#maxDelayMs)
    }
    if (this.#inspectors.size > 0 && !repeated) {
      const event: InvalidateInspectEvent = waiting
        ? {
            type: 'invalidate',
            at: now,
            queryKey: query.queryKey,
            queryHash: query.queryHash,
            cause,
            outcome: 'coalesced',
            into: into ?? [],
          }
        : {
            type: 'invalidate',
            at: now,
            queryKey: query.queryKey,
            queryHash: query.queryHash,
            cause,
            outcome: 'scheduled',
            dueInMs: entry.dueAt - now,
          }
      emitInspectEvent(this.#inspectors, event)
    }
  }

  /** Reports what became of `entry`'s invalidations (only while someone inspects). */
  #reportRefetch(entry: Entry, status: RefetchInspectEvent['status'], durationMs?: number): void {
    if (this.#inspectors.size === 0) return
    const { queryKey, queryHash } = entry.query
    const event: RefetchInspectEvent = {
      type: 'refetch',
      at: Date.now(),
      queryKey,
      queryHash,
      causes: [...entry.causes],
      status,
    }
    if (durationMs !== undefined) event.durationMs = durationMs
    emitInspectEvent(this.#inspectors, event)
  }

  /** Reports the refetch `flush` just started and, when it ends, its outcome and duration. */
  #reportRefetchStarted(entry: Entry): void {
    if (this.#inspectors.size === 0) return
    const fetching = inFlight(entry.query)
    if (fetching === undefined) {
      this.#reportRefetch(entry, 'stale') // an inactive or disabled query: only marked stale
      return
    }
    const startedAt = performance.now()
    this.#reportRefetch(entry, 'started')
    const end = (status: 'succeeded' | 'failed') => () =>
      this.#reportRefetch(entry, status, performance.now() - startedAt)
    fetching.then(end('succeeded'), end('failed'))
  }

  /** Sets the timer for the earliest window to close (after a batch of requests, or a close). */
  #armTimer(): void {
    let dueAt = Number.POSITIVE_INFINITY
    for (const entry of this.#window) dueAt = Math.min(dueAt, entry.dueAt)
    if (this.#timer !== undefined && this.#timerDueAt === dueAt) return
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (dueAt === Number.POSITIVE_INFINITY) return
    this.#timerDueAt = dueAt
    this.#timer = setTimeout(() => this.#closeDueWindows(), Math.max(dueAt - Date.now(), 0))
  }

  #closeDueWindows(): void {
    this.#timer = undefined
    const now = Date.now()
    for (const [queryHash, requestedAt] of this.#lastRequestAt) {
      if (now - requestedAt >= this.#busyCoalesceMs) this.#lastRequestAt.delete(queryHash)
    }
    // Windows due at the same time close together, so their refetches start in one batch.
    const due = [...this.#window].filter((entry) => entry.dueAt <= now)
    for (const entry of due) this.#window.delete(entry)
    for (const entry of due) this.#flush(entry)
    this.#armTimer()
  }

  #flush(entry: Entry): void {
    if (this.#entries.get(entry.query.queryHash) !== entry) return
    const { query } = entry
    if (this.queryClient.getQueryCache().get(query.queryHash) !== query) {
      this.#entries.delete(query.queryHash) // removed from the cache: nothing left to refresh
      this.#reportRefetch(entry, 'removed')
      return
    }
    if (this.#isHeld(query.queryKey)) {
      entry.blocked = true
      this.#watchMutations()
      this.#reportRefetch(entry, 'held')
      return
    }
    entry.blocked = false
    if (entry.completionsAfter >= (entry.staleFetch === undefined ? 1 : 2)) {
      // A fetch that started after the latest request already completed (e.g. a mutation's
      // onSettled refetch that finished before we noticed the mutation settle).
      this.#entries.delete(query.queryHash)
      this.#reportRefetch(entry, 'covered')
      return
    }
    const current = inFlight(query)
    if (current !== undefined) {
      if (current !== entry.staleFetch) {
        // Started after the latest request, so it already reads the changed state.
        this.#entries.delete(query.queryHash)
        this.#reportRefetch(entry, 'covered')
        return
      }
      entry.awaitingFetch = true
      const settle = () => {
        entry.awaitingFetch = false
        this.#flush(entry)
      }
      current.then(settle, settle)
      this.#reportRefetch(entry, 'waiting-for-fetch')
      return
    }
    this.#entries.delete(query.queryHash)
    if (this.#holdsVersions(entry)) {
      this.#reportRefetch(entry, 'current')
      return
    }
    // Nothing is in flight, so cancelRefetch has nothing to cancel; `false` states the intent.
    void this.queryClient.invalidateQueries(
      { queryKey: query.queryKey, exact: true },
      { cancelRefetch: false },
    )
    this.#reportRefetchStarted(entry)
  }

  /** Whether the query's cached data already holds every entity version its requests announced. */
  #holdsVersions({ query, versions }: Entry): boolean {
    if (!versions) return false
    const origin = { fetched: !this.#writtenByHand.has(query), optimistic: this.#isOptimistic(query) }
    for (const version of versions.values()) {
      if (!holdsEntityVersion(query.queryKey, query.state.data, version, origin)) return false
    }
    return true
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
