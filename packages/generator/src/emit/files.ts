import type { ApiModel, Entity, TypeAlias } from '../model.js'
import { stringLiteral } from '../string-literal.js'
import type { Imports } from './header.js'

/** File (without extension, relative to the output root) that declares each named type. */
export function schemaFile(owner: string): string {
  return `schemas/${owner}.schema`
}

/** Adds a type import for each alias the type expressions mention. */
export function importTypes(
  model: ApiModel,
  imports: Imports,
  fromDir: string,
  expressions: readonly (string | undefined)[],
): void {
  const byName = aliasesByName(model)
  for (const expression of expressions) {
    for (const match of expression?.matchAll(/[A-Za-z_$][\w$]*/g) ?? []) {
      const alias = byName.get(match[0])
      if (alias) imports.add(relative(fromDir, schemaFile(alias.owner)), alias.name, true)
    }
  }
}

const aliasIndex = new WeakMap<readonly TypeAlias[], Map<string, TypeAlias>>()
/** The model's aliases by name, indexed once per model (importTypes runs for every operation). */
function aliasesByName(model: ApiModel): Map<string, TypeAlias> {
  let byName = aliasIndex.get(model.aliases)
  if (!byName) {
    byName = new Map(model.aliases.map((a) => [a.name, a]))
    aliasIndex.set(model.aliases, byName)
  }
  return byName
}

/** Relative import path between two files under the output root (`client` → `schemas/order.schema`). */
export function relative(fromDir: string, target: string): string {
  const up = fromDir === '' ? './' : '../'.repeat(fromDir.split('/').length)
  return up + target
}

export function channelOf(entity: Entity): string | undefined {
  return entity.sync?.channel
}

/** A JSON value as code on one line (`{ status: 'open', items: [] }`); the formatter breaks it if need be. */
export function literal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`
  if (isPlainObject(value)) {
    const members = Object.entries(value).map(([k, v]) => `${propertyKey(k)}: ${literal(v)}`)
    return members.length === 0 ? '{}' : `{ ${members.join(', ')} }`
  }
  if (typeof value === 'string') return stringLiteral(value)
  return String(JSON.stringify(value))
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** An object key, quoted only when it is not an identifier (as Biome writes it). */
export function propertyKey(name: string): string {
  return /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u.test(name) ? name : stringLiteral(name)
}
