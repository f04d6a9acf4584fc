import type { QueryClient, QueryKey } from '@tanstack/query-core'
import { keysOverlap } from './query-keys.js'

/**
 * Whether a mutation that affects `queryKey` is still pending. A mutation affects a query when its
 * `mutationKey` and the query key overlap (either is a prefix of the other): generated mutation hooks
 * key themselves by the entity query key they change (`['orders']` for create, `['orders', id]` for
 * update). Mutations without a `mutationKey` are not seen.
 */
export function hasPendingMutation(queryClient: QueryClient, queryKey: QueryKey): boolean {
  return queryClient
    .getMutationCache()
    .getAll()
    .some((mutation) => {
      const mutationKey = mutation.options.mutationKey
      return (
        mutation.state.status === 'pending' && mutationKey !== undefined && keysOverlap(queryKey, mutationKey)
      )
    })
}
