import fc from 'fast-check'

/** A JSON Schema as /openapi.json writes it (OpenAPI 3.1: JSON Schema 2020-12). */
// biome-ignore lint/suspicious/noExplicitAny: schemas are read loosely, as JSON
export type Schema = Record<string, any>

export interface SchemaContext {
  /** `#/components/schemas`. */
  components: Record<string, Schema>
  /** Ids the generated uuids are drawn from half of the time, so requests hit existing rows. */
  knownIds: () => string[]
}

/** Follows a `$ref` into `#/components/schemas`. */
export function resolve(schema: Schema, ctx: SchemaContext): Schema {
  let current = schema
  for (let depth = 0; typeof current.$ref === 'string' && depth < 10; depth++) {
    const name = current.$ref.replace('#/components/schemas/', '')
    const target = ctx.components[name]
    if (!target) throw new Error(`unresolvable $ref ${current.$ref}`)
    current = target
  }
  return current
}

const SAFE_EMAIL = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/), fc.constantFrom('example.com', 'test.org'))
  .map(([local, domain]) => `${local}@${domain}`)

/**
 * Values the schema accepts: every `type`, `enum`, `format` (uuid, email), `pattern`, length and range
 * keyword the Orders API uses, at their bounds too. Strings use every Unicode code point (NUL
 * included), and integers without a maximum reach past 32 bits, since that is where schema and
 * database used to disagree.
 */
export function valid(schema: Schema, ctx: SchemaContext): fc.Arbitrary<unknown> {
  const s = resolve(schema, ctx)
  if (s.anyOf || s.oneOf) return fc.oneof(...(s.anyOf ?? s.oneOf).map((sub: Schema) => valid(sub, ctx)))
  if (s.enum) return fc.constantFrom(...s.enum)
  if (s.const !== undefined) return fc.constant(s.const)
  switch (s.type) {
    case 'null':
      return fc.constant(null)
    case 'boolean':
      return fc.boolean()
    case 'integer': {
      const min = s.minimum ?? Number.MIN_SAFE_INTEGER
      const max = s.maximum
      if (max !== undefined) return fc.integer({ min, max })
      return fc.oneof(
        fc.integer({ min, max: min + 20 }),
        fc.integer({ min, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom(2 ** 31, 2 ** 53 - 1, 1e21),
      )
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: s.minimum, max: s.maximum })
    case 'string':
      return validString(s, ctx)
    case 'array':
      return fc.array(valid(s.items, ctx), { minLength: s.minItems ?? 0, maxLength: s.maxItems ?? 10 })
    case 'object':
      return validObject(s, ctx)
    default:
      throw new Error(`no generator for schema ${JSON.stringify(s)}`)
  }
}

function validString(s: Schema, ctx: SchemaContext): fc.Arbitrary<string> {
  if (s.format === 'uuid') {
    const known = ctx.knownIds()
    return known.length > 0 ? fc.oneof(fc.constantFrom(...known), fc.uuid()) : fc.uuid()
  }
  if (s.format === 'email') return SAFE_EMAIL.filter((e) => e.length <= (s.maxLength ?? 320))
  if (s.format) throw new Error(`no generator for string format ${s.format}`)
  const minLength = s.minLength ?? 0
  const maxLength = s.maxLength ?? 300
  if (s.pattern) {
    const pattern = new RegExp(s.pattern, 'u')
    return fc
      .stringMatching(pattern)
      .map((text) => [...text].slice(0, maxLength).join(''))
      .filter((text) => [...text].length >= minLength && pattern.test(text))
  }
  return fc.string({ unit: 'binary', minLength, maxLength })
}

function validObject(s: Schema, ctx: SchemaContext): fc.Arbitrary<Record<string, unknown>> {
  const properties: Record<string, Schema> = s.properties ?? {}
  const model: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [name, sub] of Object.entries(properties)) model[name] = valid(sub, ctx)
  return fc.record(model, { requiredKeys: s.required ?? [] }) as fc.Arbitrary<Record<string, unknown>>
}

/** A value of no type the schema allows: an object where it wants anything else, else a string. */
export function wrongType(schema: Schema, ctx: SchemaContext): unknown {
  const s = resolve(schema, ctx)
  return s.type === 'object' ? 'not an object' : { not: 'this type' }
}

/** A value just outside one bound the schema states, or `undefined` when it states none. */
export function outOfRange(schema: Schema, ctx: SchemaContext): unknown {
  const s = resolve(schema, ctx)
  if (s.anyOf) {
    for (const sub of s.anyOf) {
      const value = outOfRange(sub, ctx)
      if (value !== undefined) return value
    }
    return undefined
  }
  if (s.type === 'string' && s.maxLength !== undefined) return 'x'.repeat(s.maxLength + 1)
  if (s.type === 'string' && s.format === 'uuid') return 'not-a-uuid'
  if (s.type === 'string' && s.enum) return `${s.enum[0]}-not-a-value`
  if (s.type === 'integer' && s.maximum !== undefined) return s.maximum + 1
  if (s.type === 'integer' && s.minimum !== undefined) return s.minimum - 1
  if (s.type === 'array' && s.maxItems !== undefined) return new Array(s.maxItems + 1).fill(null)
  return undefined
}
