import type { ApiModel } from '../model.js'
import { emitClient, emitClientConfig } from './emitClient.js'
import { emitEntity } from './emitEntity.js'
import { emitIndex } from './emitIndex.js'
import { emitMutations, mutationsOf } from './emitMutations.js'
import { emitRuntime } from './emitRuntime.js'
import { emitSchemaFiles } from './emitSchemas.js'
import { emitOpenApiTypes } from './emitTypes.js'

/** Every generated file, path relative to the output directory → unformatted source. */
export async function emitAll(
  model: ApiModel,
  document: Record<string, unknown>,
): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  files.set('schemas/openapi.ts', await emitOpenApiTypes(document))
  for (const [path, source] of emitSchemaFiles(model)) files.set(path, source)
  files.set('client/config.ts', emitClientConfig())
  for (const entity of model.entities) {
    files.set(`client/${entity.name}.ts`, emitClient(model, entity))
    files.set(`entities/${entity.name}.ts`, emitEntity(model, entity))
    if (mutationsOf(entity).length > 0)
      files.set(`hooks/use${entity.pascal}Mutations.ts`, emitMutations(model, entity))
  }
  for (const [path, source] of emitRuntime()) files.set(path, source)
  files.set('index.ts', emitIndex(model))
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
}
