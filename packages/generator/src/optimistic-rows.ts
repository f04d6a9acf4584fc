/**
 * What an optimistic row is made of: for a create or an add-child, where each property of the row
 * the cache holds comes from (the request body, an `x-sync.server_defaults` hint, a schema
 * `default`, or a placeholder of the property's type), so the row satisfies the entity's schema
 * before the server answers. For an update, which of the body's fields the cached row can take.
 */
import { fail, type Locator } from './read-x-sync.js'
import {
  deref,
  isNullable,
  isNullMember,
  isObject,
  type Json,
  objectProperties,
  schemaTypes,
} from './schema-utils.js'

/** A value only known when the row is built: the current time. */
export interface Now {
  now: 'date-time' | 'date'
}

/** A value the row gets when nothing else gives one: JSON, with `Now` where a timestamp goes. */
export type Placeholder = unknown

export type RowSource =
  /** The row's id: client-generated (sent in the body) or temporary until the server answers. */
  | { from: 'id' }
  /** A child row's link to its parent, such as an item's `order_id`. */
  | { from: 'parent' }
  /** `body.<name>`, or `fallback` when the body may leave it out. */
  | { from: 'body'; optional: boolean; fallback: Placeholder }
  /** A fixed value: hint, schema default or type placeholder. */
  | { from: 'value'; value: Placeholder; why: 'hint' | 'default' | 'placeholder' }

export interface RowField {
  name: string
  source: RowSource
}

export interface RowRecipe {
  fields: RowField[]
  /** How a temporary id looks when the body has none: a UUID, any string, or a number. */
  idKind: 'uuid' | 'string' | 'number'
}

export const isNow = (value: unknown): value is Now =>
  isObject(value) && Object.keys(value).length === 1 && (value.now === 'date-time' || value.now === 'date')

/**
 * The recipe of the row a create (or add-child) shows: every required property of `rowSchema`,
 * plus optional ones the body sets. `hint` is the operation's `x-sync.server_defaults`.
 */
export function rowRecipe(
  doc: Json,
  rowSchema: unknown,
  bodySchema: unknown,
  options: {
    idField: string
    parentField?: string | undefined
    hint: unknown
    at: string[]
    locator: Locator
  },
): RowRecipe {
  const rowProps = objectProperties(doc, rowSchema)
  const bodyProps = objectProperties(doc, bodySchema)
  const bodyRequired = requiredOf(doc, bodySchema)
  const hint = readServerDefaults(options.hint, rowProps, options.at, options.locator)
  const fields: RowField[] = []
  for (const [name, { schema, required: listed }] of rowProps) {
    // openapi-typescript types a property with a default as always present, so the row needs it.
    const required = listed || defaultOf(doc, schema) !== undefined
    const fromBody = bodyProps.get(name)
    const takesBody = fromBody !== undefined && assignable(doc, fromBody.schema, schema)
    if (name === options.idField) fields.push({ name, source: { from: 'id' } })
    else if (name === options.parentField) fields.push({ name, source: { from: 'parent' } })
    else if (takesBody) {
      const bodyDefault = defaultOf(doc, fromBody.schema)
      const optional = !bodyRequired.has(name) || bodyDefault !== undefined
      // An optional response property the body leaves out stays out (undefined), as the server would.
      const fallback = hint.has(name)
        ? hint.get(name)
        : bodyDefault !== undefined
          ? bodyDefault
          : required
            ? placeholderOf(doc, schema)
            : undefined
      fields.push({ name, source: { from: 'body', optional, fallback } })
    } else if (hint.has(name))
      fields.push({ name, source: { from: 'value', value: hint.get(name), why: 'hint' } })
    else if (required) {
      const schemaDefault = defaultOf(doc, schema)
      fields.push({
        name,
        source: {
          from: 'value',
          value: schemaDefault ?? placeholderOf(doc, schema),
          why: schemaDefault === undefined ? 'placeholder' : 'default',
        },
      })
    }
  }
  return { fields, idKind: idKindOf(doc, rowProps.get(options.idField)?.schema) }
}

/** The body fields an update may merge into the cached row: those the row has, with a type it accepts. */
export function sharedFields(doc: Json, rowSchema: unknown, bodySchema: unknown): string[] {
  const rowProps = objectProperties(doc, rowSchema)
  const shared: string[] = []
  for (const [name, { schema }] of objectProperties(doc, bodySchema)) {
    const row = rowProps.get(name)
    if (row && assignable(doc, schema, row.schema)) shared.push(name)
  }
  return shared
}

/** The property that links a child row to its parent (`order_id` for an order's items), if any. */
export function parentLink(doc: Json, childSchema: unknown, parentName: string): string | undefined {
  const props = objectProperties(doc, childSchema)
  const snake = parentName.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
  return [`${snake}_id`, `${parentName}Id`].find((name) => props.has(name))
}

function requiredOf(doc: Json, schema: unknown): Set<string> {
  const required = new Set<string>()
  for (const [name, prop] of objectProperties(doc, schema)) if (prop.required) required.add(name)
  return required
}

function readServerDefaults(
  hint: unknown,
  rowProps: Map<string, unknown>,
  at: string[],
  locator: Locator,
): Map<string, unknown> {
  if (hint === undefined) return new Map()
  const where = [...at, 'server_defaults']
  if (!isObject(hint))
    fail(
      'x-sync.server_defaults must be an object of property values, such as { status: draft }',
      where,
      locator,
    )
  for (const name of Object.keys(hint)) {
    if (!rowProps.has(name))
      fail(
        `x-sync.server_defaults names "${name}", which is not a property of the row`,
        [...where, name],
        locator,
      )
  }
  return new Map(Object.entries(hint))
}

function idKindOf(doc: Json, schema: unknown): RowRecipe['idKind'] {
  const resolved = deref(doc, schema)
  if (!isObject(resolved)) return 'string'
  if (schemaTypes(resolved).some((t) => t === 'integer' || t === 'number')) return 'number'
  return resolved.format === 'uuid' ? 'uuid' : 'string'
}

/**
 * A value of the schema's type for a field the server fills in: its default, null when nullable,
 * the first enum value, the current time for timestamps, the minimum for numbers, and so on.
 */
export function placeholderOf(doc: Json, node: unknown, seen = new Set<unknown>()): Placeholder {
  const schema = deref(doc, node)
  if (!isObject(schema) || seen.has(schema)) return null
  const schemaDefault = defaultOf(doc, node)
  if (schemaDefault !== undefined) return schemaDefault
  if ('const' in schema) return schema.const
  if (isNullable(doc, schema)) return null
  const inner = new Set([...seen, schema])
  const only = soleAllOfMember(schema)
  if (only !== undefined) return placeholderOf(doc, only, inner)
  for (const key of ['oneOf', 'anyOf'] as const) {
    const members = schema[key]
    if (Array.isArray(members) && members.length > 0) return placeholderOf(doc, members[0], inner)
  }
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0]
  const types = schemaTypes(schema)
  if (types.includes('string')) {
    if (schema.format === 'date-time') return { now: 'date-time' } satisfies Now
    if (schema.format === 'date') return { now: 'date' } satisfies Now
    if (schema.format === 'uuid') return '00000000-0000-0000-0000-000000000000'
    return 'x'.repeat(typeof schema.minLength === 'number' ? schema.minLength : 0)
  }
  if (types.includes('integer') || types.includes('number')) {
    // Zero, moved into the schema's range (a version with minimum 1 starts at 1).
    let value = 0
    if (typeof schema.minimum === 'number' && value < schema.minimum) value = Math.ceil(schema.minimum)
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum)
      value = Math.floor(schema.exclusiveMinimum) + 1
    if (typeof schema.maximum === 'number' && value > schema.maximum) value = Math.floor(schema.maximum)
    return value
  }
  if (types.includes('boolean')) return false
  if (types.includes('array') || schema.items !== undefined) return []
  if (types.includes('object') || schema.properties !== undefined || Array.isArray(schema.allOf)) {
    const value: Record<string, unknown> = {}
    for (const [name, prop] of objectProperties(doc, schema)) {
      if (prop.required) value[name] = placeholderOf(doc, prop.schema, inner)
    }
    return value
  }
  return null
}

/** Whether a value of the body's schema is always a valid value of the row's (same type; null only where the row allows it). */
function assignable(doc: Json, bodySchema: unknown, rowSchema: unknown): boolean {
  const body = shapeOf(doc, bodySchema, new Set())
  const row = shapeOf(doc, rowSchema, new Set())
  return body.core === row.core && (!body.nullable || row.nullable)
}

interface Shape {
  /** The TypeScript-relevant structure, without null, as a canonical string. */
  core: string
  nullable: boolean
}

/**
 * The part of a schema that decides its TypeScript type (types, enums, properties and which are
 * required, items, unions), without descriptions and validation limits such as maxLength.
 */
function shapeOf(doc: Json, node: unknown, seen: Set<unknown>): Shape {
  const ref = isObject(node) && typeof node.$ref === 'string' ? node.$ref : undefined
  const schema = deref(doc, node)
  if (!isObject(schema)) return { core: 'unknown', nullable: false }
  if (seen.has(schema)) return { core: `ref:${ref ?? '?'}`, nullable: false }
  const inner = new Set([...seen, schema])
  const only = soleAllOfMember(schema)
  if (only !== undefined) {
    const shape = shapeOf(doc, only, inner)
    return { core: shape.core, nullable: shape.nullable || isNullable(doc, schema) }
  }
  let nullable = isNullable(doc, schema)
  const parts: Record<string, unknown> = {}
  const types = schemaTypes(schema).filter((t) => t !== 'null')
  if (types.length > 0) parts.type = [...types].sort()
  if (Array.isArray(schema.enum)) parts.enum = schema.enum.filter((v) => v !== null)
  if ('const' in schema) parts.const = schema.const
  for (const key of ['oneOf', 'anyOf'] as const) {
    const members = schema[key]
    if (!Array.isArray(members)) continue
    const shapes = members.filter((m) => !isNullMember(doc, m)).map((m) => shapeOf(doc, m, inner))
    if (members.some((m) => isNullMember(doc, m)) || shapes.some((s) => s.nullable)) nullable = true
    if (shapes.length === 1) return { core: shapes[0]?.core ?? 'unknown', nullable }
    parts[key] = shapes.map((s) => s.core)
  }
  if (schema.items !== undefined) parts.items = shapeOf(doc, schema.items, inner)
  const props = objectProperties(doc, schema)
  if (props.size > 0 || types.includes('object')) {
    parts.properties = Object.fromEntries(
      [...props.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, prop]) => {
          // openapi-typescript types a property with a default as always present.
          const present = prop.required || defaultOf(doc, prop.schema) !== undefined
          return [name, { present, shape: shapeOf(doc, prop.schema, inner) }]
        }),
    )
    if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
      parts.additionalProperties =
        schema.additionalProperties === true ? true : shapeOf(doc, schema.additionalProperties, inner)
    }
  }
  return { core: JSON.stringify(parts), nullable }
}

/** A schema's `default`, also when it stands beside a `$ref` (`{ $ref: OrderStatus, default: draft }`). */
function defaultOf(doc: Json, node: unknown): unknown {
  if (isObject(node) && node.default !== undefined) return node.default
  const schema = deref(doc, node)
  return isObject(schema) ? schema.default : undefined
}

/** `{ allOf: [X] }` with nothing else that constrains it (FastAPI's way to put a default on a `$ref`) is X. */
function soleAllOfMember(schema: Json): unknown {
  if (!Array.isArray(schema.allOf) || schema.allOf.length !== 1) return undefined
  if (schema.type !== undefined || schema.properties !== undefined || schema.enum !== undefined)
    return undefined
  return schema.allOf[0]
}
