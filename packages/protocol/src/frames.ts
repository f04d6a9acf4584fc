/**
 * Frame types of wire protocol v1. The spec's frames (`subscribe`, `unsubscribe`, the event frame)
 * are unchanged; every other frame is an optional addition a spec-only peer may ignore.
 */

/**
 * Data of a broadcast: a signal, not the data itself. `entity_id` names the changed entity: a string,
 * or an integer (a safe integer) as a service with integer keys writes it (`{"entity_id": 42}`).
 */
export interface EventPayload {
  entity_id?: string | number
  /**
   * The entity's version after the change (its optimistic-locking version), when the server knows
   * it: a client whose cached copy is already at this version or newer need not refetch it. Optional
   * addition; never sent with a delete. See `entityVersionOf`.
   */
  entity_version?: number
  [key: string]: unknown
}

// ── client → server ────────────────────────────────────────────────────────────────────────────

/** `{"subscribe": ["order", "contact"]}` (spec). */
export interface SubscribeFrame {
  subscribe: string[]
}
/** `{"unsubscribe": ["order"]}` (spec). */
export interface UnsubscribeFrame {
  unsubscribe: string[]
}
/** `{"ping": 7}`: application-level ping (browsers cannot send WebSocket pings). Answered by `pong`. */
export interface PingFrame {
  ping: number
}
/**
 * `{"recover": {"order": 41}}`: "I have seen every change on `order` up to position 41; what
 * changed since?" Sent only to a server whose `welcome` said `history: true`, for channels this
 * connection subscribes to. Answered by one `recovered` frame.
 */
export interface RecoverFrame {
  recover: Record<string, number>
}
/**
 * `{"presence": {"channel": "order:123", "state": "editing", "label": "Tablet B"}}`: this
 * connection is viewing or editing the entity the channel names (`state: null`: no longer). Sent
 * only to a server whose `welcome` said `presence: true`. Answered by a `presence` members frame.
 */
export interface PresenceFrame {
  presence: {
    channel: string
    state: 'viewing' | 'editing' | null
    /** An anonymous name the app chose ("Tablet B"), 1 to 64 characters. */
    label?: string
  }
}
export type ClientFrame = SubscribeFrame | UnsubscribeFrame | PingFrame | RecoverFrame | PresenceFrame

// ── server → client ────────────────────────────────────────────────────────────────────────────

/** `{"channel": "order", "event": "item_added", "payload": {"entity_id": "123"}}` (spec), plus `origin`. */
export interface EventFrame {
  channel: string
  event: string
  payload: EventPayload
  /** Connection id of the client whose HTTP request caused the change, when it sent one. */
  origin?: string
  /**
   * The change's position in its channel's commit order (1, 2, 3, … without gaps), when the server
   * keeps a history (`welcome.history`). A spec-only server never sends it; a spec-only client ignores it.
   */
  position?: number
}
/** First frame on every connection: the connection's id and what the server supports. */
export interface WelcomeFrame {
  welcome: {
    /** Public id of this connection: broadcasts this connection's requests caused carry it as `origin`. */
    connection_id: string
    /**
     * Secret proof of this connection, sent to it alone: the client sends it as `X-Broadcast-Origin`
     * to claim a change as its own. Absent from servers that predate it (send `connection_id` then).
     */
    origin_token?: string
    protocol: number
    /** Interval in ms after which a client without traffic should send `ping`. */
    heartbeat_ms: number
    /**
     * The server keeps a history of positioned changes: its broadcasts carry `position`, its
     * `subscribed` acks carry `positions`, and it answers `recover`. Absent means false.
     */
    history?: boolean
    /** The server answers `presence` frames (docs/protocol.md "Presence"). Absent means false. */
    presence?: boolean
  }
}
/** Acknowledges a subscribe: events published from now on for these channels reach the connection. */
export interface SubscribedFrame {
  subscribed: string[]
  /** A server with history: each channel's latest position when the subscription took effect. */
  positions?: Record<string, number>
  /**
   * A server with history: each channel's history epoch, an opaque id (1-64 characters) of the
   * log that gave out its positions. A different epoch than the one a client remembers means the
   * log was recreated (a database reset): the positions it remembers mean nothing there.
   */
  epochs?: Record<string, string>
}
/** Acknowledges an unsubscribe. */
export interface UnsubscribedFrame {
  unsubscribed: string[]
}
/** Input the server refused. Nothing changed. */
export interface ErrorFrame {
  error: {
    code: string
    message: string
    /** The channel the error is about, when there is one. */
    channel?: string
  }
}
/** The server may have missed events for these channels: invalidate everything on them. */
export interface ResyncFrame {
  resync: string[]
}
/** What changed on a channel since the position a `recover` named. */
export interface ChannelRecovery {
  /** The channel's latest position the answer covers; the client has seen everything up to it now. */
  position: number
  /**
   * Entity ids changed after the requested position, each once; `null` when the server cannot tell
   * (the position is older than its retention, or not one of its positions, or a change named no
   * entity): then the client refetches everything on the channel.
   */
  changed: Array<string | number> | null
}
/** Answer to `recover`, one entry per requested channel. */
export interface RecoveredFrame {
  recovered: Record<string, ChannelRecovery>
}
/** Answer to `ping`, echoing its number. */
export interface PongFrame {
  pong: number
}
/** One other connection present on a channel. */
export interface PresenceMember {
  /** Stable while that connection stays on the channel; not its connection id. */
  id: string
  state: 'viewing' | 'editing'
  /** The label that connection chose. */
  label?: string
  /** Who the server says that connection is (its `presenceIdentity` hook), when it says. */
  user?: string
}
/**
 * Everyone else present on `channel` right now (the recipient is never listed), sent to each
 * present connection when it joins and whenever the list changes. A full list, not a diff.
 */
export interface PresenceMembersFrame {
  presence: { channel: string; members: PresenceMember[] }
}
export type ServerFrame =
  | EventFrame
  | WelcomeFrame
  | SubscribedFrame
  | UnsubscribedFrame
  | ErrorFrame
  | ResyncFrame
  | RecoveredFrame
  | PongFrame
  | PresenceMembersFrame
