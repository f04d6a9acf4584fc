import type { ApiModel } from '../model.js'
import { header, Imports } from './header.js'
import { fits, pad } from './layout.js'

/** `schemas/<owner>.schema.ts`: named aliases such as `Order`, `OrderItemCreate`, `ListOrdersParams`. */
export function emitSchemaFiles(model: ApiModel): Map<string, string> {
  const files = new Map<string, string>()
  const owners = [...new Set(model.aliases.map((a) => a.owner))].sort()
  for (const owner of owners) {
    const aliases = model.aliases.filter((a) => a.owner === owner)
    const imports = new Imports()
    for (const alias of aliases) {
      if (alias.expression.includes('components[')) imports.add('./openapi', 'components', true)
      if (alias.expression.includes('paths[')) imports.add('./openapi', 'paths', true)
    }
    const body = aliases.map((a) => typeAlias(a.name, a.expression)).join('')
    files.set(`schemas/${owner}.schema.ts`, `${header(`Types of the ${owner} API.`)}${imports}\n${body}`)
  }
  return files
}

/**
 * `export type Name = expression`, broken as Biome breaks it: inside `NonNullable<…>` when the line
 * fits up to its `<`, else after `=` (and then inside `NonNullable<…>` if still too long).
 */
function typeAlias(name: string, expression: string): string {
  const left = `export type ${name} =`
  if (fits(0, `${left} ${expression}`)) return `${left} ${expression}\n`
  const generic = /^(NonNullable<)(.*)(>(?:\[[^\]]*\])*)$/.exec(expression)
  const breakGeneric = (indent: number) =>
    `${generic?.[1]}\n${pad(indent + 2)}${generic?.[2]}\n${pad(indent)}${generic?.[3]}`
  if (generic && fits(0, `${left} ${generic[1]}`)) return `${left} ${breakGeneric(0)}\n`
  if (!generic || fits(2, expression)) return `${left}\n  ${expression}\n`
  return `${left}\n  ${breakGeneric(2)}\n`
}
