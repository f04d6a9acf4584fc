import { channelNameProblem, describeType } from './channel.js'
import { ErrorCode } from './constants.js'
import type { DecodeResult } from './decode.js'
import type { PresenceFrame, PresenceMember, PresenceMembersFrame } from './frames.js'

/**
 * Presence (an optional addition, docs/protocol.md "Presence"): who else is viewing or editing an
 * entity. A client sends `{"presence": {"channel", "state", "label"?}}` only to a server whose
 * `welcome` said `presence: true`; the server answers with the members of that channel, others
 * only. A spec-only client never sends it and so never receives a presence frame.
 */

/** What a member is doing with the entity. */
export const PRESENCE_STATES = ['viewing', 'editing'] as const
export type PresenceState = (typeof PRESENCE_STATES)[number]

/** Longest `label` (an anonymous name such as "Tablet B") in characters. */
export const MAX_PRESENCE_LABEL_LENGTH = 64

const FIELDS = ['channel', 'state', 'label']

const problem = (message: string, channel?: string): DecodeResult<PresenceFrame> => ({
  ok: false,
  problem:
    channel === undefined
      ? { code: ErrorCode.INVALID_FRAME, message }
      : { code: ErrorCode.INVALID_FRAME, message, channel },
})

/**
 * `{"presence": {"channel": "order:123", "state": "editing", "label": "Tablet B"}}`: join the
 * channel's presence or change state (`state: null` leaves). Validated whole: a bad field refuses
 * the frame and nothing changes.
 */
export function decodePresence(value: unknown, maxChannelNameLength: number): DecodeResult<PresenceFrame> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return problem(`presence must be an object {channel, state, label?}, got ${describeType(value)}`)
  }
  const record = value as Record<string, unknown>
  const unknown = Object.keys(record).find((key) => !FIELDS.includes(key))
  if (unknown !== undefined) {
    return problem(`presence: unknown field ${JSON.stringify(unknown)}; known: ${FIELDS.join(', ')}`)
  }
  const { channel, state, label } = record
  const channelProblem = channelNameProblem(channel, maxChannelNameLength)
  if (channelProblem) {
    return {
      ok: false,
      problem: {
        code: ErrorCode.INVALID_CHANNEL,
        message: `presence: ${channelProblem}`,
        ...(typeof channel === 'string' ? { channel } : {}),
      },
    }
  }
  const name = channel as string
  if (state !== null && !(PRESENCE_STATES as readonly unknown[]).includes(state)) {
    return problem(
      `presence state must be ${PRESENCE_STATES.map((s) => JSON.stringify(s)).join(' or ')}, or null to leave; got ${JSON.stringify(state) ?? 'nothing'}`,
      name,
    )
  }
  if (label !== undefined) {
    if (typeof label !== 'string')
      return problem(`presence label must be a string, got ${describeType(label)}`, name)
    if (label.length === 0 || label.length > MAX_PRESENCE_LABEL_LENGTH) {
      return problem(
        `presence label is ${label.length} characters long; it must be 1 to ${MAX_PRESENCE_LABEL_LENGTH}`,
        name,
      )
    }
  }
  const presence: PresenceFrame['presence'] = { channel: name, state: state as PresenceState | null }
  if (label !== undefined) presence.label = label as string
  return { ok: true, frame: { presence } }
}

function memberOf(value: unknown): PresenceMember | null {
  if (typeof value !== 'object' || value === null) return null
  const { id, state, label, user } = value as Record<string, unknown>
  if (typeof id !== 'string' || !(PRESENCE_STATES as readonly unknown[]).includes(state)) return null
  const member: PresenceMember = { id, state: state as PresenceState }
  if (typeof label === 'string') member.label = label
  if (typeof user === 'string') member.user = user
  return member
}

/** The readable part of a server's presence frame (unreadable members are left out), or `null`. */
export function presenceMembersOf(value: unknown): PresenceMembersFrame | null {
  if (typeof value !== 'object' || value === null) return null
  const { channel, members } = value as Record<string, unknown>
  if (typeof channel !== 'string' || !Array.isArray(members)) return null
  return {
    presence: {
      channel,
      members: members.map(memberOf).filter((m): m is PresenceMember => m !== null),
    },
  }
}
