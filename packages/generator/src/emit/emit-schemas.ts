import type { ApiModel } from '../model.js'
import { header, Imports } from './header.js'

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
    const body = aliases.map((a) => `export type ${a.name} = ${a.expression}\n`).join('')
    files.set(`schemas/${owner}.schema.ts`, `${header(`Types of the ${owner} API.`)}${imports}\n${body}`)
  }
  return files
}
