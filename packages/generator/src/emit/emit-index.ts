import type { ApiModel } from '../model.js'
import { mutationsOf } from './emit-mutations.js'
import { header } from './header.js'

/** `index.ts`: everything generated, from one import. */
export function emitIndex(model: ApiModel): string {
  const modules: string[] = ['./client/config']
  for (const owner of [...new Set(model.aliases.map((a) => a.owner))])
    modules.push(`./schemas/${owner}.schema`)
  for (const entity of model.entities) {
    modules.push(`./client/${entity.name}`, `./entities/${entity.name}`)
    if (mutationsOf(entity).length > 0) modules.push(`./hooks/use${entity.pascal}Mutations`)
  }
  return `${header(`${model.title} ${model.version}: typed client and hooks.`.replace(/\s+/g, ' '))}${[
    ...new Set(modules),
  ]
    .sort()
    .map((m) => `export * from '${m}'\n`)
    .join('')}`
}
