import { payloadNotJson, shapeProblem } from './event-frame.js'
import type { ClientFrame, EventPayload, ServerFrame } from './frames.js'

/**
 * Serializes a broadcast's event frame once, for every subscriber. Throws a TypeError naming the
 * problem (the one `eventFrameProblem` reports) for a bad channel, event name, payload or origin,
 * before anything is sent.
 */
export function encodeEventFrame(
  channel: string,
  event: string,
  payload: EventPayload,
  origin?: string,
): string {
  const problem = shapeProblem(channel, event, payload, origin)
  if (problem) throw new TypeError(problem)
  try {
    return JSON.stringify(
      origin === undefined ? { channel, event, payload } : { channel, event, payload, origin },
    )
  } catch (error) {
    throw new TypeError(payloadNotJson(error))
  }
}

export function encodeServerFrame(frame: ServerFrame): string {
  return JSON.stringify(frame)
}

export function encodeClientFrame(frame: ClientFrame): string {
  return JSON.stringify(frame)
}
