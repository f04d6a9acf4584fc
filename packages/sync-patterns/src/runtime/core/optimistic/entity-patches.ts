import { isDetailKey, isListKey, isPlainObject } from '../query-keys.js'
import type { OptimisticPatch } from './optimistic-registry.js'

/**
 * How an entity sits in the query cache, following the spec's keys: lists under `[root]` or
 * `[root, { ...params }]`, one entity under `[root, id]`.
 */
export interface EntityCacheShape {
  /** First query-key element, such as `'orders'`. */
  root: string
  /** Identifier property of the entity (default `'id'`). */
  idField?: string
  /**
   * When list responses are envelopes such as `{ items: [...], total }`: the array's property, or a
   * dotted path for an array one level deeper (`'data.items'` for `{ data: { items: [...], cursor } }`).
   * The envelope's other fields are kept.
   */
  listField?: string
  /**
   * When detail responses are envelopes such as `{ project: { id, ... }, links }`: the row's
   * property. Detail patches change the row inside and keep the other fields.
   */
  detailField?: string
  /**
   * The entity's version property (its optimistic-locking version, such as `'version'`): with it, a
   * broadcast that carries the entity's new version (`entity_version`) skips refetching queries whose
   * cached copy is already at that version or newer (see `holdsEntityVersion`). The server must change
   * the version whenever anything its detail or list responses show of the entity changes.
   */
  versionField?: string
}

type Row = Record<string, unknown>

/** Create: adds the entity to every list whose filters it satisfies (once per id) and seeds its detail. */
export function createEntityPatch(shape: EntityCacheShape, created: object): OptimisticPatch {
  const idField = shape.idField ?? 'id'
  const entity = created as Row
  const id = entity[idField]
  return {
    label: `create ${shape.root}${id === undefined ? '' : ` ${String(id)}`}`,
    seed: id === undefined ? [] : [[shape.root, id as string]],
    matches: (key) => isListKey(key, shape.root) || (id !== undefined && isDetailKey(key, shape.root, id)),
    apply: (data, key) => {
      if (isDetailKey(key, shape.root))
        return data !== undefined ? data : shape.detailField ? { [shape.detailField]: entity } : entity
      if (!passesFilters(entity, key[1])) return data
      return mapRows(data, shape, (rows) => {
        const at = rows.findIndex((row) => sameId(row[idField], id))
        return at === -1 ? [...rows, entity] : rows.map((row, i) => (i === at ? { ...row, ...entity } : row))
      })
    },
  }
}

/** Update: merges the changed fields into the entity's detail and its entries in every list. */
export function updateEntityPatch<TRow extends object = Row>(
  shape: EntityCacheShape,
  id: unknown,
  changes: Partial<TRow>,
): OptimisticPatch {
  const idField = shape.idField ?? 'id'
  const merge = (row: Row): Row => ({ ...row, ...changes, [idField]: row[idField] })
  return {
    label: `update ${shape.root} ${String(id)} (${Object.keys(changes).join(', ')})`,
    matches: (key) => isListKey(key, shape.root) || isDetailKey(key, shape.root, id),
    apply: (data, key) => {
      if (isDetailKey(key, shape.root)) return onDetail(data, shape, merge)
      return mapRows(data, shape, (rows) => rows.map((row) => (sameId(row[idField], id) ? merge(row) : row)))
    },
  }
}

/** Delete: removes the entity from every list (the detail entry is dropped once the server agrees). */
export function deleteEntityPatch(shape: EntityCacheShape, id: unknown): OptimisticPatch {
  const idField = shape.idField ?? 'id'
  return {
    label: `delete ${shape.root} ${String(id)}`,
    matches: (key) => isListKey(key, shape.root),
    apply: (data) => mapRows(data, shape, (rows) => rows.filter((row) => !sameId(row[idField], id))),
  }
}

export interface ChildPatchTarget {
  /** The parent entity's id, such as the order id for `/orders/{order_id}/items`. */
  parentId: unknown
  /** The parent's array property holding the children, such as `'items'`. */
  field: string
  /** Identifier property of a child (default `'id'`). */
  childIdField?: string
}

/** Sub-resource add: appends the child to the parent's array, in its detail and its list entries. */
export function addChildPatch(
  shape: EntityCacheShape,
  target: ChildPatchTarget,
  child: Row,
): OptimisticPatch {
  const childIdField = target.childIdField ?? 'id'
  return childPatch(shape, target, `add ${target.field}`, (children) =>
    children.some((c) => child[childIdField] !== undefined && sameId(c[childIdField], child[childIdField]))
      ? children
      : [...children, child],
  )
}

/** Sub-resource remove: removes the child with this id from the parent's array. */
export function removeChildPatch(
  shape: EntityCacheShape,
  target: ChildPatchTarget,
  childId: unknown,
): OptimisticPatch {
  const childIdField = target.childIdField ?? 'id'
  return childPatch(shape, target, `remove ${target.field} ${String(childId)}`, (children) =>
    children.filter((c) => !sameId(c[childIdField], childId)),
  )
}

/** Sub-resource update: merges changes into the child with this id. */
export function updateChildPatch<TChild extends object = Row>(
  shape: EntityCacheShape,
  target: ChildPatchTarget,
  childId: unknown,
  changes: Partial<TChild>,
): OptimisticPatch {
  const childIdField = target.childIdField ?? 'id'
  return childPatch(shape, target, `update ${target.field} ${String(childId)}`, (children) =>
    children.map((c) =>
      sameId(c[childIdField], childId) ? { ...c, ...changes, [childIdField]: c[childIdField] } : c,
    ),
  )
}

function childPatch(
  shape: EntityCacheShape,
  target: ChildPatchTarget,
  /** What is done to the children, such as `add items`: the label says of which parent. */
  action: string,
  change: (children: Row[]) => Row[],
) {
  const idField = shape.idField ?? 'id'
  const onParent = (parent: Row): Row => {
    const children = parent[target.field]
    if (!Array.isArray(children)) return parent
    return { ...parent, [target.field]: change(children as Row[]) }
  }
  const patch: OptimisticPatch = {
    label: `${action} of ${shape.root} ${String(target.parentId)}`,
    matches: (key) => isListKey(key, shape.root) || isDetailKey(key, shape.root, target.parentId),
    apply: (data, key) => {
      if (isDetailKey(key, shape.root)) return onDetail(data, shape, onParent)
      return mapRows(data, shape, (rows) =>
        rows.map((row) => (sameId(row[idField], target.parentId) ? onParent(row) : row)),
      )
    },
  }
  return patch
}

/** Applies `change` to the row of detail data (the row, or inside its `detailField` envelope). */
function onDetail(data: unknown, shape: EntityCacheShape, change: (row: Row) => Row): unknown {
  if (!isPlainObject(data)) return data
  if (!shape.detailField) return change(data)
  const row = data[shape.detailField]
  return isPlainObject(row) ? { ...data, [shape.detailField]: change(row) } : data
}

/** Applies `change` to the rows of list data (a bare array or an envelope); other shapes pass through. */
function mapRows(data: unknown, shape: EntityCacheShape, change: (rows: Row[]) => Row[]): unknown {
  if (Array.isArray(data)) return change(data as Row[])
  return shape.listField ? mapAt(data, shape.listField.split('.'), change) : data
}

/** Replaces the array at `path` inside an envelope, copying each object on the way and keeping the rest. */
function mapAt(data: unknown, path: string[], change: (rows: Row[]) => Row[]): unknown {
  const [field, ...rest] = path
  if (field === undefined || !isPlainObject(data) || !(field in data)) return data
  const inner = data[field]
  if (rest.length === 0) return Array.isArray(inner) ? { ...data, [field]: change(inner as Row[]) } : data
  const next = mapAt(inner, rest, change)
  return next === inner ? data : { ...data, [field]: next }
}

/**
 * A list key's params object filters the list: a created entity joins it only when each param
 * naming one of its fields matches (`{ status: 'open' }`); params that are not fields (`limit`,
 * `cursor`) do not exclude it.
 */
function passesFilters(entity: Row, params: unknown): boolean {
  if (!isPlainObject(params)) return true
  return Object.entries(params).every(([name, wanted]) => {
    if (wanted === undefined || !(name in entity)) return true
    const actual = entity[name]
    return Array.isArray(wanted) ? wanted.some((w) => sameId(w, actual)) : sameId(wanted, actual)
  })
}

function sameId(a: unknown, b: unknown): boolean {
  return a !== undefined && a !== null && b !== undefined && b !== null && String(a) === String(b)
}
