/** Type names for schemas: component names, or aliases of openapi-typescript expressions. */
import type { TypeAlias } from './model.js'
import { typeName } from './naming.js'
import { componentName, isObject, withoutNull } from './schema-utils.js'
import { stringLiteral } from './string-literal.js'

/**
 * A type name for a schema: the component's own name when it is a `$ref` (or an array of / a
 * nullable `$ref`), otherwise `fallback` declared as an alias of `expression`.
 */
export function typeOf(
  schema: unknown,
  fallback: string,
  owner: string,
  aliases: Map<string, TypeAlias>,
  expression: string | undefined,
): string | undefined {
  const named = (node: unknown) => {
    const component = componentName(node)
    if (!component) return undefined
    const name = typeName(component)
    if (!aliases.has(name)) {
      aliases.set(name, { name, owner, expression: `components['schemas'][${stringLiteral(component)}]` })
    }
    return name
  }
  const direct = named(schema)
  if (direct) return direct
  const inner = withoutNull(schema)
  if (inner !== schema && named(inner)) return `${named(inner)} | null`
  const items = isObject(schema) && (schema.type === 'array' || schema.items) ? schema.items : undefined
  if (items && named(items)) return `${named(items)}[]`
  if (expression === undefined) return undefined
  let name = fallback
  for (let n = 2; aliases.has(name) && aliases.get(name)?.expression !== expression; n++)
    name = `${fallback}${n}`
  aliases.set(name, { name, owner, expression })
  return name
}
