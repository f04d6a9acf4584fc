import { payloadNotJson, positionProblem, shapeProblem } from './event-frame.js'
import type { ClientFrame, EventFrame, EventPayload, ServerFrame } from './frames.js'

/**
 * Serializes a broadcast's event frame once (with its `position` in the channel's commit order when
 * given), for every subscriber. Throws a TypeError naming the
 * problem (the one `eventFrameProblem` reports) for a bad channel, event name, payload or origin,
 * before anything is sent.
 */
export function encodeEventFrame(
  channel: string,
  event: string,
  payload: EventPayload,
  origin?: string,
  position?: number,
): string {
  const problem = shapeProblem(channel, event, payload, origin) ?? positionProblem(position)
  if (problem) throw new TypeError(problem)
  const frame: EventFrame =
    origin === undefined ? { channel, event, payload } : { channel, event, payload, origin }
  if (position !== undefined) frame.position = position
  try {
    return JSON.stringify(frame)
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
