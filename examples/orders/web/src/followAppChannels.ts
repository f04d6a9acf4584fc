import type { BroadcastClient, BroadcastHandler } from '@pattern-stack/sync-patterns/runtime'
import type { QueryClient } from '@tanstack/react-query'

/**
 * Calls `handler` for the broadcasts of every channel the app subscribes to, whatever the entity:
 * the generated query hooks subscribe to their channel (`order`, `contact`, a new `table`) when a
 * screen using them mounts. A hook subscribes in an effect of the same commit in which its query
 * gains an observer, so the QueryCache's events say when to look at `client.channels` again (once
 * that commit's effects have run). A channel once followed stays followed, so the log keeps
 * showing it after its screen closed. Returns the function that stops following.
 */
export function followAppChannels(
  client: BroadcastClient,
  queryClient: QueryClient,
  handler: BroadcastHandler,
  onFollow?: (channels: readonly string[]) => void,
): () => void {
  const followed = new Map<string, () => void>()
  let stopped = false
  const follow = () => {
    if (stopped) return
    const added = client.channels.filter((channel) => !followed.has(channel))
    for (const channel of added) followed.set(channel, client.subscribe(channel, handler))
    if (added.length > 0) onFollow?.([...followed.keys()])
  }
  follow()
  const stopWatchingQueries = queryClient.getQueryCache().subscribe((event) => {
    if (event.type === 'observerAdded') queueMicrotask(follow)
  })
  return () => {
    stopped = true
    stopWatchingQueries()
    for (const unsubscribe of followed.values()) unsubscribe()
    followed.clear()
  }
}
