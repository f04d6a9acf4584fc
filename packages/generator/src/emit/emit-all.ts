import type { ApiModel } from '../model.js'
import { emitClient, emitClientConfig } from './emit-client.js'
import { emitEntity } from './emit-entity.js'
import { emitIndex } from './emit-index.js'
import { emitMutations, mutationsOf } from './emit-mutations.js'
import { emitRuntime } from './emit-runtime.js'
import { emitSchemaFiles } from './emit-schemas.js'

/** The files this generator writes itself: all but `schemas/openapi.ts`, which openapi-typescript writes. */
export function emitOwnFiles(model: ApiModel): Map<string, string> {
  const files = new Map<string, string>()
  for (const [path, source] of emitSchemaFiles(model)) files.set(path, source)
  files.set('client/config.ts', emitClientConfig())
  for (const entity of model.entities) {
    files.set(`client/${entity.name}.ts`, emitClient(model, entity))
    files.set(`entities/${entity.name}.ts`, emitEntity(model, entity))
    if (mutationsOf(entity).length > 0) {
      files.set(`hooks/use${entity.pascal}Mutations.ts`, emitMutations(model, entity))
    }
  }
  for (const [path, source] of emitRuntime()) files.set(path, source)
  files.set('index.ts', emitIndex(model))
  return files
}

/** Files in path order, so output and reports are stable. */
export function sortFiles(files: Map<string, string>): Map<string, string> {
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
}
