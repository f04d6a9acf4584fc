import type { InvalidatedQuery, OptimisticEntry, SignalEntry, SubscriptionOutcome } from './inspect-log.js'

/** The panel's words for what it shows, one place, so a test or another view can reuse them. */

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}

/** `12:04:05.123` */
export function clockTime(at: number): string {
  const date = new Date(at)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`
}

export function formatKey(queryKey: readonly unknown[]): string {
  return JSON.stringify(queryKey)
}

export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`
}

/** Why a resync happened. */
export const RESYNC_REASONS: Record<NonNullable<SignalEntry['reason']>, string> = {
  reconnect: 'this tab reconnected and may have missed broadcasts',
  server: "the server's fan-out may have lost broadcasts",
  unreadable: 'a broadcast on the channel could not be read',
}

/** Why a subscription did not invalidate. */
export const SKIP_REASONS: Record<Exclude<SubscriptionOutcome, 'invalidate'>, string> = {
  echo: "echo: this tab's own change, which its mutation refetches",
  disabled: 'disabled: invalidated once enabled again',
}

/** What became of one invalidated query. */
export function describeQuery(query: InvalidatedQuery): string {
  const joined = query.outcome === 'coalesced' && query.into.length > 0
  const prefix = joined
    ? `coalesced into ${query.into.map((signal) => `#${signal}`).join(', ')}'s refetch: `
    : ''
  return prefix + describeStatus(query)
}

function describeStatus(query: InvalidatedQuery): string {
  switch (query.status) {
    case undefined:
      return 'refetch scheduled'
    case 'started':
      return 'refetching…'
    case 'succeeded':
      return `refetched in ${formatMs(query.durationMs ?? 0)}`
    case 'failed':
      return `refetch failed after ${formatMs(query.durationMs ?? 0)}`
    case 'stale':
      return 'marked stale (not on screen; fetched when next used)'
    case 'held':
      return 'held: a mutation on this key is pending; refetches when it settles'
    case 'waiting-for-fetch':
      return 'waiting: a fetch in flight may predate the change; refetches after it'
    case 'covered':
      return 'no refetch needed: a newer fetch already has the change'
    case 'current':
      return "skipped (current: the cache already has the entity at the broadcast's version or newer)"
    case 'removed':
      return 'no refetch: the query left the cache'
  }
}

export function describeChange(entry: OptimisticEntry): string {
  switch (entry.status) {
    case 'added':
      return 'sending'
    case 'confirmed':
      return 'accepted; shown until the refetch lands'
    case 'settled':
      return 'settled: the server data has it'
    case 'failed':
      return 'failed: rolled back'
  }
}
