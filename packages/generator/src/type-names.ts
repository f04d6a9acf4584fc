/** Type names for schemas: component names, or aliases of openapi-typescript expressions. */
import type { TypeAlias } from './model.js'
import { typeName } from './naming.js'
import { componentName, isObject, withoutNull } from './schema-utils.js'
import { stringLiteral } from './string-literal.js'

/**
 * Names the generated files import from the runtime, React Query and openapi-typescript's output:
 * no generated export may take one (a component named `ApiError` becomes `ApiError2`).
 */
export const importedNames: readonly string[] = [
  'components',
  'paths',
  'webhooks',
  'operations',
  '$defs',
  'apiRequest',
  'RequestOptions',
  'ApiConfig',
  'createApiConfig',
  'apiConfig',
  'configureClient',
  'entityKeys',
  'EntityCacheShape',
  'ApiError',
  'useQuery',
  'useOptimisticMutation',
  'OptimisticRowOptions',
  'MutationHookOptions',
  'pickFields',
  'randomUUID',
  'temporaryNumberId',
  'createEntityPatch',
  'updateEntityPatch',
  'deleteEntityPatch',
  'addChildPatch',
  'updateChildPatch',
  'removeChildPatch',
  'entityFilters',
  'listFilters',
  'BroadcastProvider',
  'useBroadcast',
  'useBroadcastInvalidation',
  'useBroadcastState',
]

/**
 * The model's named types by name, and every other top-level name the output already uses
 * (`taken`: hooks, their option and variable types, imported names), so that no two exports of
 * `index.ts` share a name. Each component has one alias (`byExpression`).
 */
export class Aliases extends Map<string, TypeAlias> {
  readonly taken = new Set<string>(importedNames)
  readonly byExpression = new Map<string, string>()

  override set(name: string, alias: TypeAlias): this {
    this.taken?.add(name)
    this.byExpression?.set(alias.expression, name)
    return super.set(name, alias)
  }

  override delete(name: string): boolean {
    const alias = this.get(name)
    if (alias && this.byExpression.get(alias.expression) === name) this.byExpression.delete(alias.expression)
    this.taken.delete(name)
    return super.delete(name)
  }

  /** `base`, else `base2`, `base3`, … : the first name no type, hook or import has. */
  free(base: string): string {
    let name = base
    for (let n = 2; this.taken.has(name); n++) name = `${base}${n}`
    return name
  }
}

/**
 * A type name for a schema: the component's own name when it is a `$ref` (or an array of / a
 * nullable `$ref`), otherwise `fallback` declared as an alias of `expression`.
 */
export function typeOf(
  schema: unknown,
  fallback: string,
  owner: string,
  aliases: Aliases,
  expression: string | undefined,
): string | undefined {
  const named = (node: unknown) => {
    const component = componentName(node)
    if (!component) return undefined
    const expression = `components['schemas'][${stringLiteral(component)}]`
    const existing = aliases.byExpression.get(expression)
    if (existing) return existing
    // Two components with one PascalCase name (`order_item`, `OrderItem`) get `OrderItem`, `OrderItem2`.
    const name = aliases.free(typeName(component))
    aliases.set(name, { name, owner, expression })
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
  for (
    let n = 2;
    aliases.has(name) ? aliases.get(name)?.expression !== expression : aliases.taken.has(name);
    n++
  )
    name = `${fallback}${n}`
  aliases.set(name, { name, owner, expression })
  return name
}
