/**
 * Where a list response keeps its rows: a bare array, or an envelope's array property
 * (`{ items: [...], total }`, `{ projects: [...], links, meta }`, an `allOf` of a page schema and
 * the items, `{ data: { items: [...], cursor } }`), or the property an `x-sync.list_field` hint names.
 */
import { camelCase } from './naming.js'
import type { RawOperation } from './paths.js'
import { fail, type Locator } from './read-x-sync.js'
import { arrayItems, isObject, type Json, objectProperties, sameSchema } from './schema-utils.js'

/** Names an envelope's rows go by, most likely first (after the resource's own plural). */
const ROW_NAMES = ['items', 'data', 'results', 'records', 'rows', 'entries', 'content', 'list', 'values']

export interface ListShape {
  /** `undefined` for a bare array; else the rows' property, or a dotted path one level deeper (`data.items`). */
  field: string | undefined
  items: unknown
}

/** The rows of a list response schema, or undefined when it is not a list of rows. */
export function findListShape(
  doc: Json,
  listSchema: unknown,
  entitySchema: unknown,
  resource: string,
): ListShape | undefined {
  const bare = arrayItems(doc, listSchema)
  if (bare !== undefined) return { field: undefined, items: bare }
  const candidates: ListShape[] = []
  for (const [prop, { schema }] of objectProperties(doc, listSchema)) {
    const items = arrayItems(doc, schema)
    if (items !== undefined && !prop.includes('.')) candidates.push({ field: prop, items })
  }
  // One level deeper (`{ data: { items: [...], cursor } }`), after every top-level array.
  for (const [prop, { schema }] of objectProperties(doc, listSchema)) {
    if (arrayItems(doc, schema) !== undefined || prop.includes('.')) continue
    for (const [inner, { schema: innerSchema }] of objectProperties(doc, schema)) {
      const items = arrayItems(doc, innerSchema)
      if (items !== undefined && !inner.includes('.')) candidates.push({ field: `${prop}.${inner}`, items })
    }
  }
  // Rows are the entity (when its detail response says what that is), else objects at least.
  const rows = candidates.filter((c) =>
    entitySchema ? sameSchema(doc, c.items, entitySchema) : objectProperties(doc, c.items).size > 0,
  )
  const names = [resource, camelCase(resource), ...ROW_NAMES]
  const rank = (c: ListShape) => {
    const last = c.field?.split('.').pop() ?? ''
    const at = names.indexOf(last)
    return at === -1 ? names.length : at
  }
  return rows.sort((a, b) => rank(a) - rank(b))[0]
}

/**
 * The list operation's `x-sync.list_field` (on the operation, else on its path item): the envelope
 * property (or `data.items` path) holding the rows. Refused unless it names an array in the response.
 */
export function hintedListShape(
  doc: Json,
  raw: RawOperation,
  listSchema: unknown,
  locator: Locator,
): ListShape | undefined {
  const paths = isObject(doc.paths) ? doc.paths : {}
  const item = isObject(paths[raw.path]) ? (paths[raw.path] as Json) : {}
  const onOperation = isObject(raw.node['x-sync']) ? raw.node['x-sync'].list_field : undefined
  const onPath = isObject(item['x-sync']) ? item['x-sync'].list_field : undefined
  const hint = onOperation ?? onPath
  if (hint === undefined) return undefined
  const at =
    onOperation !== undefined
      ? ['paths', raw.path, raw.method, 'x-sync', 'list_field']
      : ['paths', raw.path, 'x-sync', 'list_field']
  if (typeof hint !== 'string' || !/^[^.]+(\.[^.]+)?$/.test(hint))
    fail('x-sync.list_field must be a property name (or two, such as data.items)', at, locator)
  let node: unknown = listSchema
  let props = objectProperties(doc, node)
  for (const segment of hint.split('.')) {
    props = objectProperties(doc, node)
    node = props.get(segment)?.schema
    if (node === undefined) break
  }
  const items = node === undefined ? undefined : arrayItems(doc, node)
  if (items === undefined) {
    const arrays = [...objectProperties(doc, listSchema)]
      .filter(([, { schema }]) => arrayItems(doc, schema) !== undefined)
      .map(([name]) => name)
    fail(
      `x-sync.list_field "${hint}" is not an array property of the ${raw.method.toUpperCase()} ${raw.path} response` +
        (arrays.length > 0 ? ` (its array properties: ${arrays.join(', ')})` : ' (it has no array property)'),
      at,
      locator,
    )
  }
  return { field: hint, items }
}

/**
 * A detail response that wraps the row (`{ project: {...}, links }`, `{ data: {...} }`): no id of
 * its own, and an object property named after the entity (or `data`).
 */
export function findDetailEnvelope(
  doc: Json,
  detailSchema: unknown,
  names: string[],
): { field: string; row: unknown } | undefined {
  const props = objectProperties(doc, detailSchema)
  if (props.size === 0 || props.has('id') || names.some((n) => props.has(`${n}_id`) || props.has(`${n}Id`)))
    return undefined
  for (const field of names) {
    const row = props.get(field)?.schema
    if (row !== undefined && arrayItems(doc, row) === undefined && objectProperties(doc, row).size > 0)
      return { field, row }
  }
  return undefined
}
