/**
 * Carries broadcasts between the server instances of one app (the Socket.IO "adapter" idea).
 * The backend encodes each broadcast once and hands the engine the finished event-frame text; the
 * engine brings it to every instance (this one included) that has local subscribers of the
 * channel, by calling `deliver`. The in-memory engine is the default; Redis and Postgres engines
 * implement the same interface.
 *
 * Contract:
 * - `publish` sends ONE message per broadcast, whatever the number of instances or subscribers.
 * - An instance listens only to channels with local subscribers: `addChannel` when a channel gets
 *   its first local subscriber, `removeChannel` when its last one leaves. The backend awaits
 *   `addChannel` before acknowledging a subscribe, so an engine should resolve it only once
 *   messages on the channel will be delivered.
 * - An engine that may have lost messages (e.g. it reconnected) calls `resync` with the affected
 *   channels; the backend tells their subscribers to refetch everything on them.
 */
/** Hands an event frame that arrived for `channel` to this instance's local subscribers. */
export type DeliverFrame = (channel: string, frame: string) => void
/** Tells the subscribers of `channels` that events may have been lost. */
export type RequestResync = (channels: string[]) => void

export interface BroadcastEngine {
  /** Called once by the backend before anything else. */
  start(deliver: DeliverFrame, resync: RequestResync): Promise<void>
  /** Publishes an already-encoded event frame on `channel`. */
  publish(channel: string, frame: string): Promise<void>
  /** `channel` got its first local subscriber. */
  addChannel(channel: string): Promise<void> | void
  /** `channel` lost its last local subscriber. */
  removeChannel(channel: string): Promise<void> | void
  /** Releases connections; no `deliver` after it resolves. */
  close(): Promise<void>
}
