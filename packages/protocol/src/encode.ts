import { assertChannelName, describeType } from './channel.js'
import type { ClientFrame, EventPayload, ServerFrame } from './frames.js'

/** Longest event name in characters. */
export const MAX_EVENT_NAME_LENGTH = 128

/**
 * Serializes a broadcast's event frame once, for every subscriber. Throws a TypeError naming the
 * problem for a bad channel, event name or payload, before anything is sent.
 */
export function encodeEventFrame(
  channel: string,
  event: string,
  payload: EventPayload,
  origin?: string,
): string {
  assertChannelName(channel)
  if (typeof event !== 'string' || event.length === 0 || event.length > MAX_EVENT_NAME_LENGTH) {
    throw new TypeError(`event must be a non-empty string of at most ${MAX_EVENT_NAME_LENGTH} characters`)
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TypeError(`payload must be an object, got ${describeType(payload)}`)
  }
  if (payload.entity_id !== undefined && typeof payload.entity_id !== 'string') {
    throw new TypeError(`payload.entity_id must be a string, got ${describeType(payload.entity_id)}`)
  }
  if (origin !== undefined && (typeof origin !== 'string' || origin.length === 0 || origin.length > 128)) {
    throw new TypeError('origin must be a non-empty string of at most 128 characters')
  }
  return JSON.stringify(
    origin === undefined ? { channel, event, payload } : { channel, event, payload, origin },
  )
}

export function encodeServerFrame(frame: ServerFrame): string {
  return JSON.stringify(frame)
}

export function encodeClientFrame(frame: ClientFrame): string {
  return JSON.stringify(frame)
}
