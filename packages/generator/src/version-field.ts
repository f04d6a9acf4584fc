/** The entity version: which property is the optimistic-locking version (SYNC-012), one rule. */

import type { Entity } from './model.js'
import { fail, type Locator } from './read-x-sync.js'
import { isNumericSchema, type Json, type objectProperties } from './schema-utils.js'

/** The locking version's name when nothing says otherwise (SYNC-012's `version` column). */
export const DEFAULT_VERSION_FIELD = 'version'

/**
 * Whether property `name` of an object schema (its `objectProperties`) is an optimistic-locking
 * version: it exists and is an integer or number. A `version` of another type (a release label) is
 * an ordinary field. Request bodies (update hooks take it as `version`) and entities (the runtime
 * reads it to skip refetches a broadcast's `entity_version` makes needless) both ask this.
 */
export function isLockingVersion(
  doc: Json,
  props: ReturnType<typeof objectProperties>,
  name: string,
): boolean {
  return props.has(name) && isNumericSchema(doc, props.get(name)?.schema)
}

/**
 * The entity's version property: the x-sync `version_field` hint when there is one (refused unless
 * it names a numeric property of the entity), else `version` when that is numeric, else none (its
 * broadcasts then always refetch).
 */
export function entityVersionField(
  doc: Json,
  entity: Entity,
  entityProps: ReturnType<typeof objectProperties>,
  locator: Locator,
): string | undefined {
  const hint = entity.sync?.versionField
  if (hint) {
    if (!isLockingVersion(doc, entityProps, hint.name)) {
      const numeric = [...entityProps.keys()].filter((name) => isLockingVersion(doc, entityProps, name))
      fail(
        `x-sync.version_field "${hint.name}" is not an integer or number property of ${entity.type ?? entity.pascal}` +
          (numeric.length > 0
            ? ` (its numeric properties: ${numeric.join(', ')})`
            : ' (it has no numeric property)'),
        hint.at,
        locator,
      )
    }
    return hint.name
  }
  return isLockingVersion(doc, entityProps, DEFAULT_VERSION_FIELD) ? DEFAULT_VERSION_FIELD : undefined
}
