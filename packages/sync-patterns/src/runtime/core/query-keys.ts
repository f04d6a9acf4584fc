import { hashKey, type InvalidateQueryFilters, partialMatchKey, type QueryKey } from '@tanstack/query-core'

/** A plain object (`{ status: 'draft' }`): what a list key's params element is. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * The query-key rule for entity ids, in one function: what a key element is compared as. An entity
 * id is a string or an integer, and an integer and its decimal text name the same entity, so `42`
 * compares as `'42'` (and `'042'` or `'42.0'` stay different ids). Every other element is itself.
 *
 * Keys keep the id as the caller gave it: `entityKeys('orders').detail(42)` (what a generated
 * `useOrder(42)` caches when the path parameter is an integer) is `['orders', 42]`. Everything the
 * runtime matches goes through this rule: broadcast invalidation (`entity_id: 42` or `"42"`
 * refreshes `['orders', 42]` and `['orders', '42']`), optimistic patches (`isDetailKey`), the
 * pending-mutation guard (`keysOverlap`), `entityFilters` and the keys a mutation removes.
 */
export function entityIdKey(part: string | number): string | number
export function entityIdKey(part: unknown): unknown
export function entityIdKey(part: unknown): unknown {
  return typeof part === 'number' && Number.isSafeInteger(part) ? String(part) : part
}

/** `key` with each element as `entityIdKey` compares it: what every key comparison here uses. */
function comparable(key: QueryKey): unknown[] {
  return key.map(entityIdKey)
}

/** The same key under the entity-id rule (`['orders', 42]` and `['orders', '42']`). */
export function keysEqual(a: QueryKey, b: QueryKey): boolean {
  return a.length === b.length && hashKey(comparable(a)) === hashKey(comparable(b))
}

/**
 * The spec's "prefix exactly", widened to parameterised lists: `key` equals `prefix`, or is `prefix`
 * followed by exactly one plain object (`['orders', { status: 'draft' }]`, the convention for a list
 * with query parameters). So an event for one entity refreshes every list that may show it, but not
 * other entities' detail queries (`['orders', '456']`).
 */
export function isListKeyOf(key: QueryKey, prefix: QueryKey): boolean {
  if (key.length === prefix.length) return keysEqual(key, prefix)
  return (
    key.length === prefix.length + 1 &&
    isPlainObject(key[prefix.length]) &&
    keysEqual(key.slice(0, prefix.length), prefix)
  )
}

/**
 * `key` starts with `prefix` (TanStack's prefix matching, as `invalidateQueries({ queryKey })` uses,
 * under the entity-id rule: `['orders', 42, 'items']` is under `['orders', '42']`).
 */
export function isKeyUnder(key: QueryKey, prefix: QueryKey): boolean {
  return partialMatchKey(comparable(key), comparable(prefix))
}

/** Either key is a prefix of the other: the pending-mutation guard's notion of "affects". */
export function keysOverlap(a: QueryKey, b: QueryKey): boolean {
  return isKeyUnder(a, b) || isKeyUnder(b, a)
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
  /**
   * One entity, and the prefix of everything below it: `[root, id]`, the id as given (`42` stays a
   * number; it matches `'42'` wherever the runtime compares keys, see `entityIdKey`).
   */
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

/**
 * One entity's detail and everything below it (`[root, id]`, `[root, id, 'items']`), the id under
 * the entity-id rule (`42` reaches `['orders', '42']` too).
 */
export function entityFilters(root: string, id: unknown): InvalidateQueryFilters {
  return { queryKey: [root], predicate: (query) => isKeyUnder(query.queryKey, [root, id]) }
}

/** `[root]` or `[root, params]`: a list of entity `root` (see `isListKeyOf`). */
export function isListKey(queryKey: QueryKey, root: string): boolean {
  if (queryKey[0] !== root) return false
  return queryKey.length === 1 || (queryKey.length === 2 && isPlainObject(queryKey[1]))
}

/** `[root, id]` (of entity `id` when given, under the entity-id rule): one entity's detail. */
export function isDetailKey(queryKey: QueryKey, root: string, id?: unknown): boolean {
  if (queryKey.length !== 2 || queryKey[0] !== root) return false
  const key = queryKey[1]
  if (typeof key !== 'string' && typeof key !== 'number') return false
  return id === undefined || entityIdKey(key) === entityIdKey(id)
}
