import type { MutationCache, QueryClient, QueryKey } from '@tanstack/query-core'
import { keysOverlap } from './query-keys.js'

/**
 * Whether a mutation that affects `queryKey` is still pending, so a refetch now could overwrite its
 * optimistic state. A mutation affects a query when its `mutationKey` and the query key overlap
 * (either is a prefix of the other). Mutations without a `mutationKey` are not seen, nor those
 * `except` names (a `SyncClient` leaves out its own: their changes live in its optimistic registry,
 * which re-applies them on top of whatever a refetch brings).
 */
export function hasPendingMutation(
  queryClient: QueryClient,
  queryKey: QueryKey,
  except?: (mutation: ReturnType<MutationCache['getAll']>[number]) => boolean,
): boolean {
  return queryClient
    .getMutationCache()
    .getAll()
    .some((mutation) => {
      const mutationKey = mutation.options.mutationKey
      return (
        mutation.state.status === 'pending' &&
        mutationKey !== undefined &&
        keysOverlap(queryKey, mutationKey) &&
        !except?.(mutation)
      )
    })
}
