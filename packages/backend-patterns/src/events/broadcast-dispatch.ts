import type { EventPayload } from '@pattern-stack/sync-protocol'
import type { AnyPgDatabase } from './system-event.js'

/** A broadcast a unit of work queued: sent after (never before) its transaction commits. */
export interface QueuedBroadcast {
  channel: string
  event: string
  payload: EventPayload & { entity_id: string | number }
  /** Connection id of the client whose request caused the change (`X-Broadcast-Origin`). */
  origin?: string
  /** Its position in the channel's commit order, once a broadcast log gave it one. */
  position?: number
}

/** Anything that can publish a broadcast, e.g. `WebSocketBroadcastBackend`. */
export interface BroadcastTarget {
  broadcast(
    channel: string,
    eventType: string,
    payload: EventPayload & { entity_id: string | number },
    options?: { origin?: string; position?: number },
  ): Promise<unknown>
}

/**
 * When and how a unit of work's queued broadcasts leave: the one replaceable step. It runs once the
 * transaction committed, never for a rolled-back one.
 */
export interface BroadcastDispatch {
  /**
   * Runs inside the transaction as its last step, with the broadcasts it queued: may record them
   * (an outbox) and returns them as `afterCommit` should get them (e.g. with positions). A throw
   * rolls the transaction back.
   */
  beforeCommit?(tx: AnyPgDatabase, messages: readonly QueuedBroadcast[]): Promise<readonly QueuedBroadcast[]>
  /** Runs once the commit succeeded; never for a rolled-back transaction. */
  afterCommit?(messages: readonly QueuedBroadcast[]): Promise<void>
}

/**
 * The default dispatch: publish each message in order after the commit. A publish failure cannot
 * undo the commit, so it is reported to `onError` (default: console.error) and the rest still go
 * out; clients recover through the protocol's resync.
 */
export function afterCommitDispatch(
  target: BroadcastTarget,
  onError: (error: unknown, message: QueuedBroadcast) => void = (error, message) =>
    console.error(`broadcast ${message.channel}/${message.event} failed after commit:`, error),
): BroadcastDispatch {
  return {
    async afterCommit(messages) {
      for (const message of messages) {
        try {
          await target.broadcast(message.channel, message.event, message.payload, publishOptions(message))
        } catch (error) {
          onError(error, message)
        }
      }
    },
  }
}

/** `broadcast()`'s options for a queued message: its origin and position, when it has them. */
export function publishOptions(message: QueuedBroadcast): { origin?: string; position?: number } | undefined {
  if (message.origin === undefined && message.position === undefined) return undefined
  const options: { origin?: string; position?: number } = {}
  if (message.origin !== undefined) options.origin = message.origin
  if (message.position !== undefined) options.position = message.position
  return options
}

/** A dispatch that sends nothing: for routes measured without broadcast, or scripts. */
export const noBroadcastDispatch: BroadcastDispatch = Object.freeze({})
