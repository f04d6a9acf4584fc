import { channelNameProblem, describeType } from './channel.js'
import { entityVersionProblem } from './entity-version.js'

/** Longest event name in characters. */
export const MAX_EVENT_NAME_LENGTH = 128
/** Longest `origin` (a connection id) in characters. */
export const MAX_ORIGIN_LENGTH = 128

/**
 * Why `{channel, event, payload, origin}` cannot be encoded as an event frame, or `null` when it
 * can: the one rule set behind `encodeEventFrame`, so code that must refuse a broadcast before it
 * commits (a unit of work, an x-sync declaration) refuses exactly what the encoder would.
 *
 * `payload` defaults to `{}` and `origin` may be left out: `eventFrameProblem(channel, event)`
 * answers whether any broadcast of `event` on `channel` can be encoded (what a declaration needs).
 */
export function eventFrameProblem(
  channel: unknown,
  event: unknown,
  payload: unknown = {},
  origin?: unknown,
): string | null {
  return shapeProblem(channel, event, payload, origin) ?? serializationProblem(payload)
}

/**
 * Why `entityId` cannot be a payload's `entity_id`, or `null` when it can: absent, a string, or an
 * integer (a safe integer, as a Python or SQL integer key is sent: `{"entity_id": 42}`). Anything
 * else (a float, `NaN`, an object, `null`) is refused by the encoder and unreadable to the client.
 */
export function entityIdProblem(entityId: unknown): string | null {
  if (entityId === undefined || typeof entityId === 'string' || Number.isSafeInteger(entityId)) return null
  const got = typeof entityId === 'number' ? `the number ${String(entityId)}` : describeType(entityId)
  return `payload.entity_id must be a string or an integer, got ${got}`
}

/** Everything but JSON serializability; the encoder finds that out by serializing. */
export function shapeProblem(
  channel: unknown,
  event: unknown,
  payload: unknown,
  origin: unknown,
): string | null {
  const channelProblem = channelNameProblem(channel)
  if (channelProblem) return channelProblem
  if (typeof event !== 'string' || event.length === 0 || event.length > MAX_EVENT_NAME_LENGTH) {
    const got = typeof event === 'string' ? `${event.length} characters` : describeType(event)
    return `event must be a non-empty string of at most ${MAX_EVENT_NAME_LENGTH} characters, got ${got}`
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return `payload must be an object, got ${describeType(payload)}`
  }
  const entityIdProblemText = entityIdProblem((payload as { entity_id?: unknown }).entity_id)
  if (entityIdProblemText) return entityIdProblemText
  const versionProblem = entityVersionProblem(payload as { entity_id?: unknown; entity_version?: unknown })
  if (versionProblem) return versionProblem
  if (
    origin !== undefined &&
    (typeof origin !== 'string' || origin.length === 0 || origin.length > MAX_ORIGIN_LENGTH)
  ) {
    return `origin must be a non-empty string of at most ${MAX_ORIGIN_LENGTH} characters`
  }
  return null
}

function serializationProblem(payload: unknown): string | null {
  try {
    JSON.stringify(payload)
    return null
  } catch (error) {
    return payloadNotJson(error)
  }
}

/** The message for a payload `JSON.stringify` refused (a BigInt, a cycle). */
export function payloadNotJson(error: unknown): string {
  return `payload is not JSON-serializable: ${error instanceof Error ? error.message : String(error)}`
}

/**
 * Why `position` cannot be a change's position, or `null` when it can: absent, or a positive safe
 * integer (positions count from 1; 0 means "before the first change" in a `recover`).
 */
export function positionProblem(position: unknown, allowZero = false): string | null {
  if (position === undefined) return null
  if (Number.isSafeInteger(position) && (position as number) >= (allowZero ? 0 : 1)) return null
  const got = typeof position === 'number' ? `the number ${String(position)}` : describeType(position)
  return `position must be a ${allowZero ? 'non-negative' : 'positive'} safe integer, got ${got}`
}
