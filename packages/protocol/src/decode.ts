import { channelNameProblem, describeType } from './channel.js'
import { DEFAULT_LIMITS, ErrorCode } from './constants.js'
import { entityIdProblem, positionProblem } from './event-frame.js'
import type { ChannelRecovery, ClientFrame, ServerFrame } from './frames.js'
import { decodePresence, presenceMembersOf } from './presence.js'

export interface DecodeProblem {
  code: ErrorCode
  message: string
  channel?: string
}
export type DecodeResult<T> = { ok: true; frame: T } | { ok: false; problem: DecodeProblem }

const CLIENT_KEYS = ['subscribe', 'unsubscribe', 'ping', 'recover', 'presence'] as const

function fail(code: ErrorCode, message: string, channel?: string): { ok: false; problem: DecodeProblem } {
  return { ok: false, problem: channel === undefined ? { code, message } : { code, message, channel } }
}

function parseObject(text: string): DecodeResult<Record<string, unknown>> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return fail(ErrorCode.INVALID_JSON, `frame is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(ErrorCode.INVALID_FRAME, `frame must be a JSON object, got ${describeType(value)}`)
  }
  return { ok: true, frame: value as Record<string, unknown> }
}

/**
 * Strictly decodes a frame a client sent. Exactly one known key; channel lists are validated whole,
 * so a frame with one bad channel is refused and changes nothing.
 */
export function decodeClientFrame(
  text: string,
  maxChannelNameLength: number = DEFAULT_LIMITS.maxChannelNameLength,
): DecodeResult<ClientFrame> {
  const parsed = parseObject(text)
  if (!parsed.ok) return parsed
  const object = parsed.frame
  const keys = Object.keys(object)
  const unknown = keys.find((key) => !(CLIENT_KEYS as readonly string[]).includes(key))
  if (unknown !== undefined) {
    return fail(
      ErrorCode.UNKNOWN_KEY,
      `unknown key ${JSON.stringify(unknown)}; a frame has exactly one of ${CLIENT_KEYS.join(', ')}`,
    )
  }
  if (keys.length !== 1) {
    return fail(
      ErrorCode.INVALID_FRAME,
      keys.length === 0
        ? `empty frame; expected one of ${CLIENT_KEYS.join(', ')}`
        : `a frame has exactly one key, got ${keys.join(', ')}`,
    )
  }
  const key = keys[0] as (typeof CLIENT_KEYS)[number]
  const value = object[key]
  if (key === 'ping') {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return fail(ErrorCode.INVALID_FRAME, `ping must be a number, got ${describeType(value)}`)
    }
    return { ok: true, frame: { ping: value } }
  }
  if (key === 'recover') return decodeRecover(value, maxChannelNameLength)
  if (key === 'presence') return decodePresence(value, maxChannelNameLength)
  if (!Array.isArray(value)) {
    return fail(
      ErrorCode.INVALID_FRAME,
      `${key} must be an array of channel names, got ${describeType(value)}`,
    )
  }
  if (value.length === 0) return fail(ErrorCode.INVALID_FRAME, `${key} must name at least one channel`)
  for (const channel of value) {
    const problem = channelNameProblem(channel, maxChannelNameLength)
    if (problem) {
      return fail(
        ErrorCode.INVALID_CHANNEL,
        `${key}: ${problem}`,
        typeof channel === 'string' ? channel : undefined,
      )
    }
  }
  const channels = [...new Set(value as string[])]
  return { ok: true, frame: key === 'subscribe' ? { subscribe: channels } : { unsubscribe: channels } }
}

/**
 * `{"recover": {"order": 41}}`: an object of at least one channel name → the position (a
 * non-negative safe integer) the client has seen everything up to. Validated whole.
 */
function decodeRecover(value: unknown, maxChannelNameLength: number): DecodeResult<ClientFrame> {
  if (!isRecord(value)) {
    return fail(
      ErrorCode.INVALID_FRAME,
      `recover must be an object of channel name → position, got ${describeType(value)}`,
    )
  }
  const entries = Object.entries(value)
  if (entries.length === 0) return fail(ErrorCode.INVALID_FRAME, 'recover must name at least one channel')
  for (const [channel, position] of entries) {
    const problem = channelNameProblem(channel, maxChannelNameLength)
    if (problem) return fail(ErrorCode.INVALID_CHANNEL, `recover: ${problem}`, channel)
    const bad = positionProblem(position, true) ?? (position === undefined ? 'position is missing' : null)
    if (bad) return fail(ErrorCode.INVALID_FRAME, `recover ${JSON.stringify(channel)}: ${bad}`, channel)
  }
  return { ok: true, frame: { recover: Object.fromEntries(entries) as Record<string, number> } }
}

const isPosition = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0

/** The valid `channel → position` entries of `value` (others are dropped: the client then knows less). */
function positionsOf(value: unknown): Record<string, number> | undefined {
  if (!isRecord(value)) return undefined
  const positions: Record<string, number> = {}
  for (const [channel, position] of Object.entries(value)) {
    if (channelNameProblem(channel) === null && isPosition(position)) positions[channel] = position
  }
  return positions
}

/** Longest history epoch a client accepts (the server's are 36-character UUIDs). */
const MAX_EPOCH_LENGTH = 64

/** The valid `channel → epoch` entries of `value` (others are dropped: the client then knows less). */
function epochsOf(value: unknown): Record<string, string> | undefined {
  if (!isRecord(value)) return undefined
  const epochs: Record<string, string> = {}
  for (const [channel, epoch] of Object.entries(value)) {
    if (
      channelNameProblem(channel) === null &&
      typeof epoch === 'string' &&
      epoch.length > 0 &&
      epoch.length <= MAX_EPOCH_LENGTH
    ) {
      epochs[channel] = epoch
    }
  }
  return epochs
}

/** The readable entries of a `recovered` frame; a malformed entry is left out (the client resyncs it). */
function recoveriesOf(value: Record<string, unknown>): Record<string, ChannelRecovery> {
  const recovered: Record<string, ChannelRecovery> = {}
  for (const [channel, entry] of Object.entries(value)) {
    if (channelNameProblem(channel) !== null || !isRecord(entry) || !isPosition(entry.position)) continue
    const changed = entry.changed
    if (changed === null) recovered[channel] = { position: entry.position, changed: null }
    else if (
      Array.isArray(changed) &&
      changed.every((id) => entityIdProblem(id) === null && id !== undefined)
    ) {
      recovered[channel] = { position: entry.position, changed: changed as Array<string | number> }
    }
  }
  return recovered
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string')
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Tolerantly decodes a frame the server sent: unknown extra keys are ignored (forward compatible),
 * but a frame that matches no known shape is refused with the reason. A refused frame with a
 * top-level `channel` is an event the client cannot read (no `event`, a payload that is not an
 * object, an `entity_id` that is neither a string nor a safe integer): the problem then names the
 * channel when it is a valid channel name, so the client can invalidate that channel.
 */
export function decodeServerFrame(text: string): DecodeResult<ServerFrame> {
  const parsed = parseObject(text)
  if (!parsed.ok) return parsed
  const o = parsed.frame
  if (typeof o.channel === 'string') {
    // An event frame, or meant to be one. A problem with it names the channel (when the name is
    // valid), so a client can invalidate that channel instead of dropping a change it cannot read.
    const channel = channelNameProblem(o.channel) === null ? o.channel : undefined
    const refuse = (message: string) => fail(ErrorCode.INVALID_FRAME, message, channel)
    if (typeof o.event !== 'string') {
      return refuse(`event frame event must be a string, got ${describeType(o.event)}`)
    }
    if (!isRecord(o.payload)) {
      return refuse(`event frame payload must be an object, got ${describeType(o.payload)}`)
    }
    const entityIdProblemText = entityIdProblem(o.payload.entity_id)
    if (entityIdProblemText) return refuse(`event frame ${entityIdProblemText}`)
    const frame: ServerFrame =
      typeof o.origin === 'string'
        ? { channel: o.channel, event: o.event, payload: o.payload, origin: o.origin }
        : { channel: o.channel, event: o.event, payload: o.payload }
    // A position the client cannot read is left out: it then only knows less about what it saw.
    if (o.position !== undefined && positionProblem(o.position) === null)
      frame.position = o.position as number
    return { ok: true, frame }
  }
  if (isRecord(o.welcome) && typeof o.welcome.connection_id === 'string') {
    const { connection_id, origin_token, protocol, heartbeat_ms, history, presence } = o.welcome
    const welcome = {
      connection_id,
      ...(typeof origin_token === 'string' && origin_token !== '' ? { origin_token } : {}),
      protocol: typeof protocol === 'number' ? protocol : 1,
      heartbeat_ms: typeof heartbeat_ms === 'number' ? heartbeat_ms : 0,
      ...(history === true ? { history: true } : {}),
      ...(presence === true ? { presence: true } : {}),
    }
    return { ok: true, frame: { welcome } }
  }
  if (isStringArray(o.subscribed)) {
    const positions = positionsOf(o.positions)
    const epochs = epochsOf(o.epochs)
    return {
      ok: true,
      frame: {
        subscribed: o.subscribed,
        ...(positions ? { positions } : {}),
        ...(epochs ? { epochs } : {}),
      },
    }
  }
  if (isRecord(o.recovered)) return { ok: true, frame: { recovered: recoveriesOf(o.recovered) } }
  if (isStringArray(o.unsubscribed)) return { ok: true, frame: { unsubscribed: o.unsubscribed } }
  if (isStringArray(o.resync)) return { ok: true, frame: { resync: o.resync } }
  if (typeof o.pong === 'number') return { ok: true, frame: { pong: o.pong } }
  const presence = o.presence === undefined ? null : presenceMembersOf(o.presence)
  if (presence) return { ok: true, frame: presence }
  if (isRecord(o.error) && typeof o.error.code === 'string' && typeof o.error.message === 'string') {
    const error = { code: o.error.code, message: o.error.message }
    return {
      ok: true,
      frame: { error: typeof o.error.channel === 'string' ? { ...error, channel: o.error.channel } : error },
    }
  }
  return fail(
    ErrorCode.INVALID_FRAME,
    `unknown server frame with keys ${Object.keys(o).join(', ') || '(none)'}`,
  )
}
