import { backoffDelay } from '@pattern-stack/sync-protocol'
import type { InvalidateQueryFilters, QueryClient, QueryKey } from '@tanstack/query-core'
import { ApiError } from '../http/api-error.js'
import { keysEqual } from '../query-keys.js'
import type { OptimisticPatch, OptimisticRegistry } from './optimistic-registry.js'
import { randomUUID } from './random-uuid.js'

export interface OptimisticMutation<TResult> {
  /** Changes to show while the request is in flight (none for a plain mutation). */
  patches?: readonly OptimisticPatch[]
  /** Sends the request; called again on retry with the same idempotency key. */
  request: (idempotencyKey: string) => Promise<TResult>
  /** Queries to refetch once the server accepted the change; the mutation settles after they land. */
  invalidate?: readonly InvalidateQueryFilters[]
  /** Queries to drop once the server accepted the change (a deleted entity's detail; `42` is `'42'`, see `entityIdKey`). */
  remove?: readonly QueryKey[]
  /**
   * Extra attempts after a network error, a 5xx, a 429, or any response with `Retry-After` (such as
   * 409 for an Idempotency-Key whose first request still runs). Other 4xx are final. Default: only
   * a 503 with `Retry-After` (the server says nothing happened and when to come back, as for a
   * database outage) is retried, at most `UNAVAILABLE_RETRIES` (2) times; `0` turns that off too.
   */
  retry?: number
  /**
   * Delay before retry `attempt` (1-based), in ms (default: 250 ms doubling, at most 4 s). A
   * response's `Retry-After` takes precedence, up to 30 s.
   */
  retryDelay?: (attempt: number) => number
}

/**
 * Runs one mutation through `registry`: shows the optimistic changes, sends the request (retrying
 * with one Idempotency-Key), then refetches the affected queries and only then removes the changes,
 * so the mutation stays pending until the server's data is in the cache. On failure only this
 * mutation's changes are removed and the error is rethrown (an ApiError with `status`, such as 409).
 * Apps call it through `SyncClient.mutate` or `runOptimisticMutation`.
 */
export async function executeOptimisticMutation<TResult>(
  client: QueryClient,
  registry: OptimisticRegistry,
  mutation: OptimisticMutation<TResult>,
): Promise<TResult> {
  const ids = (mutation.patches ?? []).map((patch) => registry.add(patch))
  const idempotencyKey = randomUUID()
  let result: TResult
  try {
    result =
      mutation.retry === undefined
        ? await withRetry(
            () => mutation.request(idempotencyKey),
            UNAVAILABLE_RETRIES,
            mutation.retryDelay,
            isUnavailable,
          )
        : await withRetry(() => mutation.request(idempotencyKey), mutation.retry, mutation.retryDelay)
  } catch (error) {
    for (const id of ids) registry.settle(id, 'failed')
    throw error
  }
  for (const id of ids) registry.confirm(id)
  try {
    for (const queryKey of mutation.remove ?? []) {
      client.removeQueries({ predicate: (query) => keysEqual(query.queryKey, queryKey) })
    }
    await Promise.all((mutation.invalidate ?? []).map((filters) => client.invalidateQueries(filters)))
  } finally {
    for (const id of ids) registry.settle(id, 'confirmed')
  }
  return result
}

/** Whether a failed attempt may succeed if repeated: network errors, 5xx, 429, and responses with Retry-After. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ApiError)
    return error.status >= 500 || error.status === 429 || error.retryAfterMs !== undefined
  return error instanceof TypeError
}

/** Retries of a 503 with `Retry-After` when the mutation sets no `retry`. */
export const UNAVAILABLE_RETRIES = 2

/** A 503 with `Retry-After`: the server did nothing and says when to come back. */
export function isUnavailable(error: unknown): boolean {
  return error instanceof ApiError && error.status === 503 && error.retryAfterMs !== undefined
}

/** The longest `Retry-After` honoured; a longer one is cut to this (the user is waiting). */
const MAX_RETRY_AFTER_MS = 30_000

async function withRetry<T>(
  attempt: () => Promise<T>,
  retries: number,
  delay = defaultDelay,
  retryable: (error: unknown) => boolean = isRetryable,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt()
    } catch (error) {
      if (n >= retries || !retryable(error)) throw error
      const retryAfter = error instanceof ApiError ? error.retryAfterMs : undefined
      const wait = retryAfter === undefined ? delay(n + 1) : Math.min(retryAfter, MAX_RETRY_AFTER_MS)
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
}

/** 250 ms doubling, at most 4 s, without jitter: one user's retries, not a crowd's. */
function defaultDelay(attempt: number): number {
  return backoffDelay(attempt - 1, { baseDelay: 250, maxDelay: 4000, jitter: 'none' })
}
