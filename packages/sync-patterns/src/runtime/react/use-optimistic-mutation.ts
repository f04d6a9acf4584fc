import type { QueryKey } from '@tanstack/query-core'
import { type UseMutationResult, useMutation, useQueryClient } from '@tanstack/react-query'
import type { ApiError } from '../core/http/api-error.js'
import type { MutationHookOptions } from '../core/optimistic/mutation-options.js'
import type { OptimisticMutation } from '../core/optimistic/run-optimistic-mutation.js'
import { getSyncClient } from '../core/sync-client.js'

/**
 * `useMutation` for an optimistic mutation: `mutation(variables)` says what to show at once
 * (`patches`), what to send (`request`, given the Idempotency-Key its retries share) and what to
 * refetch or drop once the server accepted it. The change is kept on top of any refetch until the
 * server's data is in the cache, and a failure rolls back only this change (see `SyncClient`).
 * `options.retry` retries network errors, 5xx, 429 and responses with `Retry-After`. Every
 * generated mutation hook is one call of it:
 *
 * ```ts
 * return useOptimisticMutation<void, string>(orderKeys.all, options, (id) => ({
 *   patches: [deleteEntityPatch(orderCache, id)],
 *   request: () => orderApi.delete(id),
 *   invalidate: [listFilters('orders')],
 *   remove: [orderKeys.detail(id)],
 * }))
 * ```
 */
export function useOptimisticMutation<TData, TVariables = void>(
  mutationKey: QueryKey,
  options: MutationHookOptions,
  mutation: (variables: TVariables) => OptimisticMutation<TData>,
): UseMutationResult<TData, ApiError, TVariables> {
  const queryClient = useQueryClient()
  return useMutation(getSyncClient(queryClient).mutationOptions(mutationKey, options, mutation))
}
