import type { MutationMeta, QueryClient, QueryKey } from '@tanstack/query-core'
import { keysOverlap } from './query-keys.js'

/**
 * Whether a mutation that affects `queryKey` is still pending, so a refetch now could overwrite its
 * optimistic state. A mutation affects a query when its `mutationKey` and the query key overlap
 * (either is a prefix of the other). Mutations without a `mutationKey` are not seen, nor are those
 * marked `meta: { optimisticRegistry: true }` (every generated hook): their optimistic changes live
 * in the OptimisticRegistry, which re-applies them on top of whatever a refetch brings, so holding
 * refetches back for them would only delay other entities' updates.
 */
export function hasPendingMutation(queryClient: QueryClient, queryKey: QueryKey): boolean {
  return queryClient
    .getMutationCache()
    .getAll()
    .some((mutation) => {
      const mutationKey = mutation.options.mutationKey
      return (
        mutation.state.status === 'pending' &&
        mutationKey !== undefined &&
        !rebasesItsChanges(mutation.options.meta) &&
        keysOverlap(queryKey, mutationKey)
      )
    })
}

function rebasesItsChanges(meta: MutationMeta | undefined): boolean {
  return meta?.optimisticRegistry === true
}
