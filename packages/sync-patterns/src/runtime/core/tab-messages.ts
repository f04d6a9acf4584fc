import { CloseCode, encodeRestartReason, MIN_RESTART_WINDOW_MS } from '@pattern-stack/sync-protocol'

/**
 * What tabs say to each other over the `BroadcastChannel` of a shared connection (never on the
 * wire). A member is one tab's end of the shared connection (a `TabMemberSocket`); the hub is the
 * leader tab's owner of the real WebSocket (`TabHub`).
 */
export type TabMessage =
  /** member → hub: connect me (repeated when a new hub announces itself). */
  | { type: 'join'; member: string }
  /** member → hub: send this protocol frame for me. */
  | { type: 'send'; member: string; data: string }
  /**
   * member → hub: I closed. `code` 1000 is a client that disconnected; any other code (a ping or
   * connect timeout) means the member found the connection dead, so the hub replaces it.
   */
  | { type: 'leave'; member: string; code: number }
  /** hub → all: a new hub leads; members of any other hub are disconnected and join this one. */
  | { type: 'hub'; hub: string }
  /** hub → member: your connection is open (the real socket is). */
  | { type: 'opened'; member: string; hub: string }
  /** hub → members: these members receive this server frame (or one the hub wrote for them). */
  | { type: 'frames'; members: string[]; data: string }
  /** hub → members: your connection closed with this code. */
  | { type: 'closed'; members: string[]; code: number; reason: string }

/**
 * How a member's connection closes when the leader changes (the leading tab stepped down, closed or
 * froze): as a restart with the shortest window. Another tab already leads or is about to, so the
 * tabs come back within 100 ms instead of after a drop's backoff (up to 1 s at the first attempt),
 * and a leader change never counts towards giving up.
 */
export const LEADER_CHANGED = Object.freeze({
  code: CloseCode.RESTARTING,
  reason: encodeRestartReason(MIN_RESTART_WINDOW_MS),
})

/** The `BroadcastChannel` (and Web Lock) name of the connection shared for `url`. */
export function tabChannelName(url: string): string {
  return `sync-patterns:${url}`
}

/**
 * The Web Lock a participant (one client in one tab) holds while it takes part: the hub queues for
 * it to learn, without any timeout, when the participant's tab closed or crashed.
 */
export function participantLockName(url: string, participant: string): string {
  return `${tabChannelName(url)} participant ${participant}`
}

/** A member's id is `<participant>-<n>`. */
export function participantOf(member: string): string {
  return member.slice(0, member.lastIndexOf('-'))
}

/** Separates a connection id or origin token from a member's sub-origin (docs/protocol.md, "Sub-origins"). */
export const SUB_ORIGIN_SEPARATOR = '~'

export interface TabChannel {
  postMessage(message: TabMessage): void
  close(): void
  onmessage: ((event: { data: TabMessage }) => void) | null
}

/** A `BroadcastChannel`, or `undefined` where there is none. In Node it does not keep the process alive. */
export function openTabChannel(name: string): TabChannel | undefined {
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => TabChannel }).BroadcastChannel
  if (typeof Channel !== 'function') return undefined
  const channel = new Channel(name)
  ;(channel as { unref?: () => void }).unref?.()
  return channel
}
