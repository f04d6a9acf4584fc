import type { Entity, Operation } from './model.js'
import { parentLink, rowRecipe, sharedFields } from './optimistic-rows.js'
import type { RawOperation } from './paths.js'
import { fail, type Locator } from './read-x-sync.js'
import { arrayItems, isObject, type Json, objectProperties } from './schema-utils.js'
import { stringLiteral } from './string-literal.js'
import { type Aliases, typeOf } from './type-names.js'

/**
 * Fills `row` (create, add-child) and `changes` (update, update-child) of an optimistic operation
 * whose entity schema is known, so the emitted hooks write rows that satisfy it.
 */
export function describeOptimisticRows(
  doc: Json,
  raw: RawOperation,
  op: Operation,
  entity: Entity,
  entitySchema: unknown,
  aliases: Aliases,
  locator: Locator,
) {
  const entityType = entity.type?.replace(/ \| null$/, '')
  if (!entityType || entitySchema === undefined || op.optimistic === 'none') return
  const bodySchema = op.body?.schema
  const xSync = isObject(raw.node['x-sync']) ? raw.node['x-sync'] : {}
  const at = ['paths', raw.path, raw.method, 'x-sync']
  if (xSync.server_defaults !== undefined && op.optimistic !== 'create' && op.optimistic !== 'add-child')
    fail(
      'x-sync.server_defaults applies to creates and add-child operations only',
      [...at, 'server_defaults'],
      locator,
    )
  const childField = op.childField
  const childSchema = childField
    ? arrayItems(doc, objectProperties(doc, entitySchema).get(childField)?.schema)
    : undefined
  // The child's own type name when it is a component, else its place in the entity's type.
  const childType = () =>
    typeOf(childSchema, '', entity.name, aliases, undefined) ??
    `NonNullable<${entityType}[${stringLiteral(childField ?? '')}]>[number]`
  switch (op.optimistic) {
    case 'create':
      op.row = {
        type: entityType,
        ...rowRecipe(doc, entitySchema, bodySchema, {
          idField: entity.idField,
          hint: xSync.server_defaults,
          at,
          locator,
        }),
      }
      break
    case 'add-child':
      if (childSchema === undefined) return
      op.row = {
        type: childType(),
        ...rowRecipe(doc, childSchema, bodySchema, {
          idField: 'id',
          parentField: parentLink(doc, childSchema, entity.name),
          hint: xSync.server_defaults,
          at,
          locator,
        }),
      }
      break
    case 'update':
      op.changes = { type: entityType, fields: sharedFields(doc, entitySchema, bodySchema) }
      break
    case 'update-child':
      if (childSchema === undefined) return
      op.changes = { type: childType(), fields: sharedFields(doc, childSchema, bodySchema) }
      break
    default:
      break
  }
}
