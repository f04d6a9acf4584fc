import { hashKey, partialMatchKey, type QueryKey } from '@tanstack/query-core'

function isPlainObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * The spec's "prefix exactly", widened to parameterised lists: `key` equals `prefix`, or is `prefix`
 * followed by exactly one plain object (`['orders', { status: 'draft' }]`, the convention for a list
 * with query parameters). So an event for one entity refreshes every list that may show it, but not
 * other entities' detail queries (`['orders', '456']`).
 */
export function isListKeyOf(key: QueryKey, prefix: QueryKey): boolean {
  if (key.length === prefix.length) return hashKey(key) === hashKey(prefix)
  return (
    key.length === prefix.length + 1 &&
    isPlainObject(key[prefix.length]) &&
    hashKey(key.slice(0, prefix.length)) === hashKey(prefix)
  )
}

/** `key` starts with `prefix` (TanStack's prefix matching, as `invalidateQueries({ queryKey })` uses). */
export function isKeyUnder(key: QueryKey, prefix: QueryKey): boolean {
  return partialMatchKey(key, prefix)
}

/** Either key is a prefix of the other: the pending-mutation guard's notion of "affects". */
export function keysOverlap(a: QueryKey, b: QueryKey): boolean {
  return partialMatchKey(a, b) || partialMatchKey(b, a)
}
