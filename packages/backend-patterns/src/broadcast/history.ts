import type { ChannelRecovery } from '@pattern-stack/sync-protocol'

/**
 * Where a backend looks up what changed on a channel, so a client that reconnects refetches only
 * that (docs/protocol.md, "Positions and recovery"). `drizzleBroadcastHistory` of
 * `@pattern-stack/backend-patterns/events` reads it from the broadcast log the unit of work writes.
 *
 * Contract: every change on a channel is in the history with its position (1, 2, 3, … in commit
 * order, no gaps), and its broadcast carries that position. A backend with a history says so in
 * `welcome` (`history: true`), adds `positions` and `epochs` to its `subscribed` acks and answers
 * `recover`.
 */
/** Where a channel's history stands. */
export interface ChannelPosition {
  /** The latest committed position (0 for a channel with no change yet). */
  position: number
  /**
   * An opaque id (1-64 characters) of the log that gave out these positions, new whenever the log
   * starts over (a database reset, the table recreated), so a client remembering positions of an
   * earlier log does not take them for this one's. Absent for a channel with no change yet.
   */
  epoch?: string
}

export interface BroadcastHistory {
  /** Each channel's latest committed position and its epoch. */
  positions(channels: readonly string[]): Promise<Record<string, ChannelPosition>>
  /**
   * What changed on `channel` after position `since`: the entity ids and the latest position the
   * answer covers, or `changed: null` when the history cannot tell (older than its retention, a
   * position it never gave out, a change without an entity id, more ids than it answers with).
   */
  changesSince(channel: string, since: number): Promise<ChannelRecovery>
}
