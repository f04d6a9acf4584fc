import type { ApiModel, Entity, TypeAlias } from '../model.js'
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
  const byName = new Map<string, TypeAlias>(model.aliases.map((a) => [a.name, a]))
  for (const expression of expressions) {
    for (const match of expression?.matchAll(/[A-Za-z_$][\w$]*/g) ?? []) {
      const alias = byName.get(match[0])
      if (alias) imports.add(relative(fromDir, schemaFile(alias.owner)), alias.name, true)
    }
  }
}

/** Relative import path between two files under the output root (`client` → `schemas/order.schema`). */
export function relative(fromDir: string, target: string): string {
  const up = fromDir === '' ? './' : '../'.repeat(fromDir.split('/').length)
  return up + target
}

export function channelOf(entity: Entity): string | undefined {
  return entity.sync?.channel
}

export function literal(value: unknown): string {
  return JSON.stringify(value, null, 1)
    .replace(/\n\s*/g, ' ')
    .replace(/"([A-Za-z_$][\w$]*)":/g, '$1:')
    .replace(
      /"((?:[^"\\]|\\.)*)"/g,
      (_, body: string) => `'${body.replace(/\\"/g, '"').replace(/'/g, "\\'")}'`,
    )
}

export function propertyKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : `'${name.replace(/'/g, "\\'")}'`
}
