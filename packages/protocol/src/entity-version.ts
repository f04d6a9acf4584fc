import { describeType } from './channel.js'

/**
 * Why `payload` cannot carry its `entity_version`, or `null` when it can: absent, or a finite number
 * beside an `entity_id` (it is that entity's version after the change). The encoder refuses the rest,
 * so a server cannot send a version a client would misread.
 */
export function entityVersionProblem(payload: {
  entity_id?: unknown
  entity_version?: unknown
}): string | null {
  const version = payload.entity_version
  if (version === undefined) return null
  if (typeof version !== 'number' || !Number.isFinite(version)) {
    const got = typeof version === 'number' ? `the number ${String(version)}` : describeType(version)
    return `payload.entity_version must be a finite number, got ${got}`
  }
  if (payload.entity_id === undefined)
    return 'payload.entity_version needs the entity_id it is the version of'
  return null
}

/**
 * The version a broadcast says its entity has after the change (`payload.entity_version`), or
 * `undefined` when it says none or one a client cannot read: then the client refetches as it would
 * without the addition. The one place a client reads it.
 */
export function entityVersionOf(payload: {
  entity_id?: unknown
  entity_version?: unknown
}): number | undefined {
  return entityVersionProblem(payload) === null ? (payload.entity_version as number | undefined) : undefined
}
