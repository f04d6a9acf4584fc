/** One entity of the model: its schema, id and list fields, and its operations. */

import { findDetailEnvelope, findListShape, hintedListShape } from './list-field.js'
import type { Entity, HttpMethod } from './model.js'
import { camelCase, pascalCase, singular } from './naming.js'
import { buildOperation, successSchema } from './operation.js'
import { nameOperation, uniqueNames } from './operation-names.js'
import { describeOptimisticRows } from './operation-rows.js'
import { isParam, type RawOperation } from './paths.js'
import { type Attempt, type Locator, strict } from './read-x-sync.js'
import { classify } from './roles.js'
import { type Json, objectProperties, withoutNull } from './schema-utils.js'
import { type Aliases, typeOf } from './type-names.js'
import { entityVersionField } from './version-field.js'

export function buildEntity(
  doc: Json,
  resource: string,
  raws: RawOperation[],
  aliases: Aliases,
  locator: Locator,
  attempt: Attempt = strict,
): Entity {
  const sync = raws.find((r) => r.sync)?.sync
  const base = resource === 'root' ? 'root' : singular(resource)
  const name = camelCase(base) || 'root'
  const pascal = pascalCase(base) || 'Root'
  const pluralPascal = pascalCase(resource)
  const entity: Entity = {
    name,
    pascal,
    pascalPlural: pluralPascal !== pascal ? pluralPascal : `${pascal}List`,
    root: camelCase(resource) || 'root',
    type: undefined,
    idField: 'id',
    listField: undefined,
    detailField: undefined,
    versionField: undefined,
    sync,
    operations: [],
  }
  const childCollections = new Set(
    raws.filter((r) => r.rest.length === 3 && isParam(r.rest[0]) && isParam(r.rest[2])).map((r) => r.rest[1]),
  )
  const find = (method: HttpMethod, shape: (rest: string[]) => boolean) =>
    raws.find((r) => r.method === method && shape(r.rest))
  const detail = find('get', (rest) => rest.length === 1 && isParam(rest[0]))
  const list = find('get', (rest) => rest.length === 0)
  const hasPatch = raws.some((r) => r.method === 'patch' && r.rest.length === 1 && isParam(r.rest[0]))

  // The entity schema: the detail response, else the list's item schema.
  const detailSchema = detail && successSchema(doc, detail.node)
  const listSchema = list && successSchema(doc, list.node)
  let entitySchema: unknown = detailSchema && withoutNull(detailSchema.schema)
  const detailEnvelope = detailSchema && findDetailEnvelope(doc, entitySchema, [name, base, 'data'])
  if (detailEnvelope) {
    const rows = listSchema && findListShape(doc, listSchema.schema, detailEnvelope.row, resource)
    if (!listSchema || rows) {
      entity.detailField = detailEnvelope.field
      entitySchema = detailEnvelope.row
    }
  }
  const listShape =
    list && listSchema
      ? (hintedListShape(doc, list, listSchema.schema, locator) ??
        findListShape(doc, listSchema.schema, entitySchema, resource))
      : undefined
  if (listShape) {
    entity.listField = listShape.field
    entitySchema ??= listShape.items
  }
  const listIsCollection = listShape !== undefined
  const entityProps = entitySchema ? objectProperties(doc, entitySchema) : new Map()
  if (!entityProps.has('id')) {
    const alt = [`${name}_id`, `${name}Id`].find((k) => entityProps.has(k))
    if (alt) entity.idField = alt
  }
  if (entitySchema) entity.type = typeOf(entitySchema, `${pascal}`, entity.name, aliases, undefined)
  entity.versionField = entityVersionField(doc, entity, entityProps, locator)

  const usedClientNames = new Set<string>()
  for (const raw of raws) {
    const role = classify(
      raw,
      detail !== undefined,
      hasPatch,
      childCollections,
      entityProps,
      listIsCollection,
    )
    // A skipped operation (lenient mode) leaves no names or types behind.
    const before = attempt.lenient
      ? {
          clientNames: new Set(usedClientNames),
          taken: new Set(aliases.taken),
          aliases: new Set(aliases.keys()),
        }
      : undefined
    const built = attempt(`${raw.method.toUpperCase()} ${raw.path}`, () => {
      const names = uniqueNames(nameOperation(raw, role, entity), raw, usedClientNames, aliases)
      const operation = buildOperation(doc, raw, role, names, entity, entityProps, aliases, locator)
      describeOptimisticRows(doc, raw, operation, entity, entitySchema, aliases, locator)
      entity.operations.push(operation)
    })
    if (!built && before) {
      for (const name of [...aliases.keys()]) if (!before.aliases.has(name)) aliases.delete(name)
      for (const name of [...aliases.taken]) if (!before.taken.has(name)) aliases.taken.delete(name)
      for (const name of [...usedClientNames]) if (!before.clientNames.has(name)) usedClientNames.delete(name)
    }
  }
  return entity
}
