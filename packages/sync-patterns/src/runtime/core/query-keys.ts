import { hashKey, type InvalidateQueryFilters, partialMatchKey, type QueryKey } from '@tanstack/query-core'

/** A plain object (`{ status: 'draft' }`): what a list key's params element is. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
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

/**
 * The spec's list key: `[root]`, or `[root, params]` when any param is set (undefined params are
 * dropped so `{ status: undefined }` shares the cache entry of no filter).
 */
export function listQueryKey(root: string, params?: object): QueryKey {
  return withParams([root], params)
}

/** `key`, plus the params that are set as one last element when any is (see `listQueryKey`). */
function withParams(key: readonly unknown[], params: object | undefined): QueryKey {
  const set = Object.entries(params ?? {}).filter(([, value]) => value !== undefined)
  return set.length === 0 ? [...key] : [...key, Object.fromEntries(set)]
}

/** The query keys of one entity, as the spec lays them out (`entityKeys('orders')`). */
export interface EntityKeys<TParams extends object = object> {
  /** `[root]`: every query of the entity; the prefix its broadcasts invalidate. */
  readonly all: readonly [string]
  /** A list: `[root]`, or `[root, params]` when any param is set. */
  list(params?: TParams): QueryKey
  /** One entity, and the prefix of everything below it: `[root, id]`. */
  detail(id: string | number): readonly [string, string | number]
  /**
   * Any other key under the root: `[root, ...parts]`, plus the params that are set as one last
   * element (`path([id, 'items'])` is `['orders', id, 'items']`).
   */
  path(parts: readonly unknown[], params?: object): QueryKey
}

/** Builds every query key of the entity whose keys start with `root`; the generated hooks use it. */
export function entityKeys<TParams extends object = object>(root: string): EntityKeys<TParams> {
  return {
    all: [root],
    list: (params) => listQueryKey(root, params),
    detail: (id) => [root, id],
    path: (parts, params) => withParams([root, ...parts], params),
  }
}

/** Every list query of an entity (`[root]` and `[root, params]`), not its details. */
export function listFilters(root: string): InvalidateQueryFilters {
  return { queryKey: [root], predicate: (query) => isListKey(query.queryKey, root) }
}

/** One entity's detail and everything below it (`[root, id]`, `[root, id, 'items']`). */
export function entityFilters(root: string, id: unknown): InvalidateQueryFilters {
  return { queryKey: [root, id] }
}

/** `[root]` or `[root, params]`: a list of entity `root` (see `isListKeyOf`). */
export function isListKey(queryKey: QueryKey, root: string): boolean {
  if (queryKey[0] !== root) return false
  return queryKey.length === 1 || (queryKey.length === 2 && isPlainObject(queryKey[1]))
}

/** `[root, id]` (of entity `id` when given): one entity's detail. */
export function isDetailKey(queryKey: QueryKey, root: string, id?: unknown): boolean {
  if (queryKey.length !== 2 || queryKey[0] !== root) return false
  const key = queryKey[1]
  if (typeof key !== 'string' && typeof key !== 'number') return false
  return id === undefined || String(key) === String(id)
}
