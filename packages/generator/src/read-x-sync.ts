import { GeneratorError, toPointer } from './generator-error.js'
import { type OptimisticKind, optimisticKinds, type SyncConfig } from './model.js'
import { isObject } from './schema-utils.js'

const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9_.:-]+$/

export interface Locator {
  file: string
  lineOf(pointer: string): number | undefined
}

export function fail(problem: string, segments: readonly (string | number)[], at: Locator): never {
  const pointer = toPointer(segments)
  const line = at.lineOf(pointer)
  throw new GeneratorError(problem, { file: at.file, pointer, ...(line ? { line } : {}) })
}

/**
 * Runs one operation's (or path's) part of normalizing. A problem refuses the document, or with
 * `lenient` skips that operation: false, and a warning naming it with the problem's place.
 */
export interface Attempt {
  (what: string, run: () => void): boolean
  readonly lenient: boolean
}

/** Refuses the document at the first problem. */
export const strict: Attempt = Object.assign(
  (_: string, run: () => void) => {
    run()
    return true
  },
  { lenient: false },
)

/**
 * Reads a path item's `x-sync` (spec §1.3): `{ local_first, broadcast: { channel, events } }`, plus
 * our `version_field` (the entity's optimistic-locking version property, when it is not `version`).
 */
export function readPathSync(value: unknown, at: readonly (string | number)[], locator: Locator): SyncConfig {
  if (!isObject(value))
    fail('x-sync must be an object such as { local_first: true, broadcast: { channel: order } }', at, locator)
  const localFirst = value.local_first ?? false
  if (typeof localFirst !== 'boolean')
    fail('x-sync.local_first must be true or false', [...at, 'local_first'], locator)
  let channel: string | undefined
  let events: string[] = []
  if (value.broadcast !== undefined) {
    const broadcast = value.broadcast
    if (!isObject(broadcast))
      fail('x-sync.broadcast must be an object with a channel', [...at, 'broadcast'], locator)
    if (typeof broadcast.channel !== 'string' || !CHANNEL_NAME_PATTERN.test(broadcast.channel)) {
      fail(
        'x-sync.broadcast.channel must be a channel name (letters, digits, _ . : -)',
        [...at, 'broadcast', 'channel'],
        locator,
      )
    }
    channel = broadcast.channel
    if (broadcast.events !== undefined) {
      if (!Array.isArray(broadcast.events) || broadcast.events.some((e) => typeof e !== 'string')) {
        fail('x-sync.broadcast.events must be a list of event names', [...at, 'broadcast', 'events'], locator)
      }
      events = broadcast.events as string[]
    }
  }
  const config: SyncConfig = { localFirst, channel, events }
  if (value.version_field !== undefined) {
    if (typeof value.version_field !== 'string' || value.version_field === '')
      fail('x-sync.version_field must be a property name such as revision', [...at, 'version_field'], locator)
    config.versionField = { name: value.version_field, at: [...at, 'version_field'] }
  }
  return config
}

export interface OptimisticHint {
  kind: OptimisticKind
  field: string | undefined
}

/**
 * Reads an operation's `x-sync.optimistic` hint: a kind (`update`), `false` (none), or
 * `{ kind: add-child, field: items }`.
 */
export function readOptimisticHint(
  value: unknown,
  at: readonly (string | number)[],
  locator: Locator,
): OptimisticHint | undefined {
  if (value === undefined) return undefined
  if (!isObject(value))
    fail('x-sync on an operation must be an object such as { optimistic: update }', at, locator)
  const hint = value.optimistic
  const where = [...at, 'optimistic']
  if (hint === undefined) return undefined
  if (hint === false) return { kind: 'none', field: undefined }
  const kind = isObject(hint) ? hint.kind : hint
  if (typeof kind !== 'string' || !optimisticKinds.includes(kind as OptimisticKind)) {
    fail(`x-sync.optimistic must be false or one of ${optimisticKinds.join(', ')}`, where, locator)
  }
  const field = isObject(hint) ? hint.field : undefined
  if (field !== undefined && typeof field !== 'string')
    fail('x-sync.optimistic.field must be a property name', [...where, 'field'], locator)
  return { kind: kind as OptimisticKind, field }
}
