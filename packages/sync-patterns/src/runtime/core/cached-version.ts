import type { QueryKey } from '@tanstack/query-core'
import type { EntityCacheShape } from './optimistic/entity-patches.js'
import { entityIdKey, isDetailKey, isListKey, isPlainObject } from './query-keys.js'

/** "Entity `entityId` is now at `version`": what a broadcast with `entity_version` asks of a query. */
export interface EntityVersionRequirement {
  /** How the entity sits in the cache; its `versionField` names the version property. */
  cache: EntityCacheShape & { versionField: string }
  entityId: string | number
  version: number
}

/** How the data a query holds came to be: what decides whether its versions can be trusted. */
export interface CachedDataOrigin {
  /** The last write was a fetch's result (not `setQueryData`, not an optimistic re-render). */
  fetched: boolean
  /** A pending optimistic change is drawn on it: its rows are not the server's. */
  optimistic: boolean
}

/**
 * Whether the data cached under `queryKey` already shows the change `requirement` announces, so a
 * refetch would bring nothing new. The rule, correct first:
 *
 * - Data a pending optimistic change is drawn on: never (it is not the server's data).
 * - The entity's detail (`[root, id]` of that entity): its row is at `version` or newer. Any write
 *   counts, a fetch or an app's `setQueryData` with its mutation's response: the row is the whole
 *   entity at that version.
 * - A list (`[root]`, `[root, params]`): only data a fetch brought, which holds the entity, and every
 *   copy of it at `version` or newer. A list read that returned the entity at that version read the
 *   database after the change committed, so the membership and order it shows already include it.
 *   A list without the entity may have to gain it (a status change into a filter), and a list an app
 *   wrote itself may show the new row where the server's filters or order would not: both refetch.
 * - Anything else (another entity's detail, `[root, id, 'items']`): never.
 */
export function holdsEntityVersion(
  queryKey: QueryKey,
  data: unknown,
  requirement: EntityVersionRequirement,
  origin: CachedDataOrigin,
): boolean {
  if (origin.optimistic || data === undefined) return false
  const { cache, entityId } = requirement
  if (isDetailKey(queryKey, cache.root, entityId)) {
    const row = cache.detailField && isPlainObject(data) ? data[cache.detailField] : data
    return isCopyAt(row, requirement)
  }
  if (!isListKey(queryKey, cache.root) || !origin.fetched) return false
  const rows = rowsOf(data, cache.listField)
  if (!rows) return false
  const idField = cache.idField ?? 'id'
  const copies = rows.filter(
    (row) =>
      isPlainObject(row) && row[idField] != null && entityIdKey(row[idField]) === entityIdKey(entityId),
  )
  return copies.length > 0 && copies.every((row) => isCopyAt(row, requirement))
}

/** A row of the entity whose version is at least the required one. */
function isCopyAt(row: unknown, { cache, entityId, version }: EntityVersionRequirement): boolean {
  if (!isPlainObject(row)) return false
  const id = row[cache.idField ?? 'id']
  const rowVersion = row[cache.versionField]
  return (
    (typeof id === 'string' || typeof id === 'number') &&
    entityIdKey(id) === entityIdKey(entityId) &&
    typeof rowVersion === 'number' &&
    rowVersion >= version
  )
}

/** The rows of list data: a bare array, or the array at `listField` (a dotted path) of an envelope. */
function rowsOf(data: unknown, listField: string | undefined): unknown[] | undefined {
  if (Array.isArray(data)) return data
  if (!listField) return undefined
  let at: unknown = data
  for (const field of listField.split('.')) at = isPlainObject(at) ? at[field] : undefined
  return Array.isArray(at) ? at : undefined
}
