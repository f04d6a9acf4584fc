import type { MutationOptions, QueryClient, QueryKey } from '@tanstack/query-core'
import {
  type BroadcastInvalidation,
  type BroadcastInvalidationOptions,
  type BroadcastSubscriptionOptions,
  invalidateOnBroadcast,
} from './broadcast-invalidation.js'
import type { ApiError } from './http/api-error.js'
import { InvalidationScheduler, type InvalidationSchedulerOptions } from './invalidation-scheduler.js'
import type { MutationHookOptions } from './optimistic/mutation-options.js'
import { OptimisticRegistry } from './optimistic/optimistic-registry.js'
import { executeOptimisticMutation, type OptimisticMutation } from './optimistic/run-optimistic-mutation.js'
import { hasPendingMutation } from './pending-mutations.js'
import { addInspectListener, emitInspectEvent, type SyncInspectListener } from './sync-inspect.js'

/** The scheduler's delays; they apply when the `SyncClient` is created. */
export type SyncClientOptions = Omit<InvalidationSchedulerOptions, 'isHeld'>

/**
 * Everything sync-patterns keeps for one `QueryClient`, the way a QueryClient holds its caches: the
 * scheduler every broadcast refetch goes through, the registry of pending optimistic changes, and
 * the broadcast subscriptions that invalidate its queries. The two know each other here: a refetch
 * waits for a pending mutation that could be overwritten by it, but not for the mutations this
 * client runs, because the registry keeps their changes on top of whatever a refetch brings.
 *
 * A QueryClient has at most one: `getSyncClient(queryClient)` gives it (creating it on first use),
 * and hooks, `createBroadcastInvalidation` and `runOptimisticMutation` all use that one. Create it
 * yourself (`new SyncClient(queryClient, { coalesceMs })`) before anything else uses the QueryClient
 * to choose its options.
 */
export class SyncClient {
  readonly queryClient: QueryClient
  /** Coalesces broadcast refetches: at most one per query per window, none lost, none over a pending change. */
  readonly scheduler: InvalidationScheduler
  /** Pending optimistic changes: "last server data + every pending change" for each query they touch. */
  readonly optimistic: OptimisticRegistry
  readonly #subscriptions = new Set<BroadcastInvalidation>()
  /** `mutationFn`s made by `mutationOptions`: their mutations' changes live in the registry. */
  readonly #mutationFns = new WeakSet<object>()
  readonly #inspectors = new Set<SyncInspectListener>()
  /** Stops forwarding the scheduler's and the registry's events; set while someone inspects. */
  #stopForwarding: (() => void) | undefined
  /** Signal numbers of the messages seen while inspecting: one message reaching two subscriptions is one signal. */
  readonly #signals = new WeakMap<object, number>()
  #nextSignal = 1

  constructor(queryClient: QueryClient, options: SyncClientOptions = {}) {
    if (!queryClient || typeof queryClient.getQueryCache !== 'function') {
      throw new TypeError('SyncClient needs a QueryClient')
    }
    if (owners.has(queryClient)) {
      throw new TypeError('this QueryClient has a SyncClient already; use getSyncClient(queryClient)')
    }
    this.queryClient = queryClient
    // The scheduler first: it refuses bad options before anything subscribes to the cache.
    this.scheduler = new InvalidationScheduler(queryClient, {
      ...options,
      isHeld: (queryKey) => this.isHeldByPendingMutation(queryKey),
      isOptimistic: (query) => this.optimistic.isPatched(query),
    })
    this.optimistic = new OptimisticRegistry(queryClient)
    owners.set(queryClient, this)
  }

  /** Broadcast subscriptions open on this client. */
  get subscriptionCount(): number {
    return this.#subscriptions.size
  }

  /**
   * Keeps `queryKeyPrefix` queries fresh from broadcasts on `channel` (the spec's rules, see
   * `invalidateOnBroadcast`), through this client's scheduler. `dispose()` on the result ends it.
   */
  invalidateOnBroadcast(
    options: BroadcastSubscriptionOptions & { scheduler?: InvalidationScheduler },
  ): BroadcastInvalidation {
    const { channel, queryKeyPrefix } = options
    const subscription = invalidateOnBroadcast(options.scheduler ?? this.scheduler, options, {
      received: (message, outcome) => {
        if (this.#inspectors.size === 0) return undefined
        let signal = this.#signals.get(message)
        if (signal === undefined) {
          signal = this.#nextSignal++
          this.#signals.set(message, signal)
        }
        const at = Date.now()
        emitInspectEvent(this.#inspectors, {
          type: 'broadcast',
          at,
          signal,
          message,
          channel,
          queryKeyPrefix,
          outcome,
        })
        return signal
      },
      enabled: () => {
        if (this.#inspectors.size === 0) return undefined
        const signal = this.#nextSignal++
        emitInspectEvent(this.#inspectors, {
          type: 'enabled',
          at: Date.now(),
          signal,
          channel,
          queryKeyPrefix,
        })
        return signal
      },
    })
    const handle: BroadcastInvalidation = {
      setEnabled: (enabled) => subscription.setEnabled(enabled),
      dispose: () => {
        this.#subscriptions.delete(handle)
        subscription.dispose()
      },
    }
    this.#subscriptions.add(handle)
    return handle
  }

  /**
   * Calls `listener` with what this client does (see `SyncInspectEvent`): each broadcast that
   * reaches its subscriptions and its outcome (invalidate, echo, disabled), each cached query it
   * invalidated (scheduled, or coalesced into a waiting refetch), the refetch that followed or why
   * there was none (held by a pending mutation, covered by a newer fetch, ...) with its duration,
   * and each optimistic change (added, confirmed, settled, failed). Returns the remover. While
   * nobody listens nothing is recorded: the cost is one check per broadcast and refetch.
   */
  inspect(listener: SyncInspectListener): () => void {
    const remove = addInspectListener(this.#inspectors, listener)
    if (!this.#stopForwarding) {
      const forward = (event: Parameters<SyncInspectListener>[0]) => emitInspectEvent(this.#inspectors, event)
      const stopScheduler = this.scheduler.inspect(forward)
      const stopRegistry = this.optimistic.inspect(forward)
      this.#stopForwarding = () => {
        stopScheduler()
        stopRegistry()
      }
    }
    return () => {
      remove()
      if (this.#inspectors.size > 0) return
      this.#stopForwarding?.()
      this.#stopForwarding = undefined
    }
  }

  /**
   * Runs one optimistic mutation (see `OptimisticMutation`): shows its changes at once, sends the
   * request with one Idempotency-Key for all retries, refetches what it touched and only then drops
   * the changes; on failure drops only this mutation's changes and rethrows.
   */
  mutate<TResult>(mutation: OptimisticMutation<TResult>): Promise<TResult> {
    return executeOptimisticMutation(this.queryClient, this.optimistic, mutation)
  }

  /**
   * TanStack mutation options for an optimistic mutation, for `useMutation` or a `MutationObserver`:
   * `mutation(variables)` says what to show, send and refetch. TanStack's own retry is off, since
   * it would call the function again with a new Idempotency-Key; `options.retry` retries inside it.
   * Refetches of overlapping keys do not wait for these mutations (see `isHeldByPendingMutation`).
   */
  mutationOptions<TData, TVariables = void>(
    mutationKey: QueryKey,
    options: MutationHookOptions,
    mutation: (variables: TVariables) => OptimisticMutation<TData>,
  ): MutationOptions<TData, ApiError, TVariables> {
    const mutationFn = (variables: TVariables) => {
      const run = mutation(variables)
      return this.mutate(run.retry === undefined ? { ...run, retry: options.retry } : run)
    }
    this.#mutationFns.add(mutationFn)
    return { mutationKey, retry: false, mutationFn }
  }

  /**
   * Whether a refetch of `queryKey` must wait: a pending mutation whose `mutationKey` overlaps it
   * could have patched the cache in `onMutate`, and the refetch would overwrite that. The mutations
   * this client runs (`mutationOptions`) do not count: the registry re-applies their changes on top
   * of any refetch, so holding refetches back for them would only delay other entities' updates.
   */
  isHeldByPendingMutation(queryKey: QueryKey): boolean {
    return hasPendingMutation(this.queryClient, queryKey, (mutation) =>
      this.#mutationFns.has(mutation.options.mutationFn as object),
    )
  }

  /** Ends every subscription, cancels scheduled refetches and stops following the cache. */
  dispose(): void {
    for (const subscription of [...this.#subscriptions]) subscription.dispose()
    this.#inspectors.clear()
    this.#stopForwarding?.()
    this.#stopForwarding = undefined
    this.scheduler.dispose()
    this.optimistic.dispose()
    if (owners.get(this.queryClient) === this) owners.delete(this.queryClient)
  }
}

const owners = new WeakMap<QueryClient, SyncClient>()

/**
 * The `SyncClient` of `queryClient`, created on first use (`options` apply then). Everything on one
 * QueryClient shares it, so overlapping hooks (a list and a detail on the same channel) coalesce
 * into one refetch per query and every optimistic change sits in one registry.
 */
export function getSyncClient(queryClient: QueryClient, options?: SyncClientOptions): SyncClient {
  return owners.get(queryClient) ?? new SyncClient(queryClient, options)
}

/**
 * Runs one optimistic mutation on `queryClient`'s `SyncClient` (see `SyncClient.mutate`), as the
 * body of a hand-written `mutationFn`. The generated hooks use `useOptimisticMutation` instead.
 */
export function runOptimisticMutation<TResult>(
  queryClient: QueryClient,
  mutation: OptimisticMutation<TResult>,
): Promise<TResult> {
  return getSyncClient(queryClient).mutate(mutation)
}

/**
 * Invalidates `queryKeyPrefix` queries of `queryClient` when events arrive on `channel`, through its
 * `SyncClient` (see `invalidateOnBroadcast` for the rules). Returns `{ setEnabled, dispose }`.
 */
export function createBroadcastInvalidation(options: BroadcastInvalidationOptions): BroadcastInvalidation {
  return getSyncClient(options.queryClient).invalidateOnBroadcast(options)
}
