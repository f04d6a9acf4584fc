import type { ApiModel, Entity, TypeAlias } from '../model.js'
import { stringLiteral } from '../string-literal.js'
import type { Imports } from './header.js'
import { array, type Code, object, property, text } from './layout.js'

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

/** A JSON value as code: `{ status: 'open', items: [] }`, laid out as Biome lays it out. */
export function literal(value: unknown): Code {
  if (Array.isArray(value)) {
    const several = (v: unknown) =>
      Array.isArray(v) ? v.length > 1 : isPlainObject(v) && Object.keys(v).length > 1
    const sameKind = value.every((v) => Array.isArray(v) === Array.isArray(value[0]))
    return array(value.map(literal), {
      numbers: value.length > 1 && value.every((v) => typeof v === 'number'),
      matrix: value.length > 1 && sameKind && value.every(several),
    })
  }
  if (isPlainObject(value))
    return object(Object.entries(value).map(([k, v]) => property(propertyKey(k), literal(v))))
  if (typeof value === 'string') return text(stringLiteral(value))
  return text(String(JSON.stringify(value)).replace('e+', 'e')) // Biome writes 1e21, not 1e+21
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** An object key, quoted only when it is not an identifier (as Biome writes it). */
export function propertyKey(name: string): string {
  return /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u.test(name) ? name : stringLiteral(name)
}
