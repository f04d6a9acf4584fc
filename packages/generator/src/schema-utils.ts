/** Small readers over a bundled OpenAPI document (only internal `#/...` refs remain). */

export type Json = Record<string, unknown>

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Follows `$ref`s (with a cycle guard) and returns the target node. */
export function deref(doc: Json, node: unknown): unknown {
  let current = node
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string' && hops < 32; hops++) {
    current = resolvePointer(doc, current.$ref)
  }
  return current
}

export function resolvePointer(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined
  let node: unknown = doc
  for (const raw of ref.slice(2).split('/')) {
    if (ref === '#' || ref === '#/') break
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')
    node = isObject(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined
  }
  return node
}

/** Name of the component schema a node points at, such as `Order`. */
export function componentName(node: unknown): string | undefined {
  if (!isObject(node) || typeof node.$ref !== 'string') return undefined
  const match = /^#\/components\/schemas\/([^/]+)$/.exec(node.$ref)
  return match?.[1] ? decodeURIComponent(match[1]).replace(/~1/g, '/').replace(/~0/g, '~') : undefined
}

/** The non-null member of `anyOf/oneOf: [X, {type: null}]` (pydantic v2) or X itself. */
export function withoutNull(node: unknown): unknown {
  if (!isObject(node)) return node
  for (const key of ['anyOf', 'oneOf'] as const) {
    const members = node[key]
    if (Array.isArray(members)) {
      const rest = members.filter(
        (m) => !(isObject(m) && (m.type === 'null' || m.nullable === true) && !m.$ref),
      )
      if (rest.length === 1 && members.length === 2) return rest[0]
    }
  }
  return node
}

/** The schema's `type` as a list (3.1 allows `type: [string, 'null']`). */
export function schemaTypes(schema: Json): string[] {
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string')
  return typeof schema.type === 'string' ? [schema.type] : []
}

/** Whether a schema admits null: `nullable` (3.0), `type: [..., 'null']`, a null enum value or member. */
export function isNullable(doc: Json, schema: Json): boolean {
  if (schema.nullable === true || schemaTypes(schema).includes('null')) return true
  if (Array.isArray(schema.enum) && schema.enum.includes(null)) return true
  return ['oneOf', 'anyOf'].some((key) => {
    const members = schema[key]
    return Array.isArray(members) && members.some((m) => isNullMember(doc, m))
  })
}

export function isNullMember(doc: Json, member: unknown): boolean {
  const resolved = deref(doc, member)
  return isObject(resolved) && (resolved.type === 'null' || (resolved.nullable === true && !resolved.type))
}

/** The item schema when a schema is an array, otherwise undefined. */
export function arrayItems(doc: Json, node: unknown): unknown {
  const schema = deref(doc, withoutNull(deref(doc, node)))
  if (!isObject(schema)) return undefined
  return schemaTypes(schema).includes('array') || schema.items !== undefined ? schema.items : undefined
}

/** Top-level properties of an object schema (merging allOf), with their required flags. */
export function objectProperties(
  doc: Json,
  node: unknown,
  seen = new Set<unknown>(),
): Map<string, { schema: unknown; required: boolean }> {
  const result = new Map<string, { schema: unknown; required: boolean }>()
  const schema = deref(doc, withoutNull(deref(doc, node)))
  if (!isObject(schema) || seen.has(schema)) return result
  seen.add(schema)
  for (const part of Array.isArray(schema.allOf) ? schema.allOf : []) {
    for (const [k, v] of objectProperties(doc, part, seen)) result.set(k, v)
  }
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : [])
  if (isObject(schema.properties)) {
    for (const [name, prop] of Object.entries(schema.properties)) {
      result.set(name, { schema: prop, required: required.has(name) || result.get(name)?.required === true })
    }
  }
  return result
}

export function isArraySchema(doc: Json, node: unknown): boolean {
  return arrayItems(doc, node) !== undefined
}

export function isNumericSchema(doc: Json, node: unknown): boolean {
  const schema = deref(doc, withoutNull(deref(doc, node)))
  return isObject(schema) && schemaTypes(schema).some((t) => t === 'integer' || t === 'number')
}

/** Whether two schema nodes are the same schema (one node, or one component). */
export function sameSchema(doc: Json, a: unknown, b: unknown): boolean {
  return (
    deref(doc, a) === deref(doc, b) ||
    (componentName(a) !== undefined && componentName(a) === componentName(b))
  )
}

/**
 * Visits every object in the trees under `roots`, depth first and without recursion (documents can
 * nest deeply); arrays are entered, not visited. `visit` may `enqueue` more nodes to walk (a `$ref`'s
 * target; each at most once, so reference cycles end) and returns true to stop the walk. A parsed
 * document is a tree, so only enqueued nodes need remembering.
 */
export function walkObjects(
  roots: readonly unknown[],
  visit: (node: Json, enqueue: (next: unknown) => void) => unknown,
): void {
  const enqueued = new Set<unknown>()
  const stack = [...roots]
  const enqueue = (next: unknown) => {
    if (enqueued.has(next)) return
    enqueued.add(next)
    stack.push(next)
  }
  while (stack.length > 0) {
    const node = stack.pop()
    if (typeof node !== 'object' || node === null) continue
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item)
      continue
    }
    if (visit(node as Json, enqueue) === true) return
    for (const value of Object.values(node)) stack.push(value)
  }
}
