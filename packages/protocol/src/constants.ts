/** Wire protocol version. Announced in the `welcome` frame. */
export const PROTOCOL_VERSION = 1

/** Default WebSocket path of the broadcast endpoint (the spec's `/ws/broadcast`). */
export const DEFAULT_BROADCAST_PATH = '/ws/broadcast'

/**
 * HTTP header a client sets on its API requests to claim the changes they cause as its own: the
 * `origin_token` its `welcome` frame carried (only that connection ever sees it). The server verifies
 * it and puts the connection's public `connection_id` into the `origin` of the broadcasts the request
 * causes, so that client can skip its own echo; a value that does not verify is ignored.
 */
export const ORIGIN_HEADER = 'X-Broadcast-Origin'

/** Limits the server enforces on inbound traffic. Every one is configurable on the server. */
export interface ProtocolLimits {
  /** Largest inbound frame in bytes; a larger one closes the connection with 1009. */
  maxFrameBytes: number
  /** Most channels one connection may subscribe to at once. */
  maxChannelsPerConnection: number
  /** Longest channel name in characters. */
  maxChannelNameLength: number
  /** Inbound frames allowed per connection per second (token bucket, burst = this number). */
  maxMessagesPerSecond: number
  /** Bytes queued for a connection before it counts as a slow consumer and is closed with 4009. */
  maxBufferedBytes: number
  /** Most channels one connection may be present on at once (`presence` frames). */
  maxPresencePerConnection: number
  /**
   * Most members one server instance keeps present on one channel (16 keeps an instance's members
   * of a channel within one Postgres NOTIFY).
   */
  maxPresenceMembersPerChannel: number
}

export const DEFAULT_LIMITS: Readonly<ProtocolLimits> = Object.freeze({
  maxFrameBytes: 16 * 1024,
  maxChannelsPerConnection: 100,
  maxChannelNameLength: 128,
  maxMessagesPerSecond: 50,
  maxBufferedBytes: 1024 * 1024,
  maxPresencePerConnection: 16,
  maxPresenceMembersPerChannel: 16,
})

/** Default interval of the server's WebSocket ping heartbeat. */
export const DEFAULT_HEARTBEAT_MS = 30_000

/** Characters a channel name may use: letters, digits and `_ . : -` (so `order` and `order:123` work). */
export const CHANNEL_NAME_PATTERN = /^[A-Za-z0-9_.:-]+$/

/**
 * WebSocket close codes the server uses. 1000-1015 are RFC 6455's; 4000-4999 are ours.
 * docs/protocol.md is the normative list.
 */
export const CloseCode = Object.freeze({
  /** Normal closure (client or server disconnects on purpose). */
  NORMAL: 1000,
  /** Server shutting down; clients should reconnect with backoff. */
  GOING_AWAY: 1001,
  /** Inbound frame larger than `maxFrameBytes`. */
  FRAME_TOO_LARGE: 1009,
  /** The connection's credentials stopped being valid after the upgrade (or were revoked). */
  UNAUTHORIZED: 4001,
  /** The connection subscribed to nothing within the server's `subscribeTimeoutMs`. */
  SUBSCRIBE_TIMEOUT: 4002,
  /**
   * The server is restarting (a deploy): reconnect spread over the window the close reason names
   * (restart.ts), without backing off. Mirrors RFC 6455's registered 1012 "Service Restart", whose
   * registered advice (5-30 s) is too slow for a deploy.
   */
  RESTARTING: 4012,
  /** Too many inbound frames per second. */
  RATE_LIMITED: 4008,
  /** The connection did not read fast enough: its unsent data passed `maxBufferedBytes`. */
  SLOW_CONSUMER: 4009,
} as const)
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/** Codes carried by `{"error": {"code", "message"}}` frames. */
export const ErrorCode = Object.freeze({
  /** The frame is not valid JSON. */
  INVALID_JSON: 'invalid_json',
  /** Binary frames are not part of the protocol. */
  BINARY_FRAME: 'binary_frame',
  /** Valid JSON of the wrong shape (not an object, no known key, several keys, wrong value type). */
  INVALID_FRAME: 'invalid_frame',
  /** An object key the protocol does not know. */
  UNKNOWN_KEY: 'unknown_key',
  /** A channel name that is empty, too long, not a string or uses characters outside the pattern. */
  INVALID_CHANNEL: 'invalid_channel',
  /** Subscribing would pass `maxChannelsPerConnection`. */
  TOO_MANY_CHANNELS: 'too_many_channels',
  /** Subscribe to a channel this connection is already subscribed to (nothing changes). */
  ALREADY_SUBSCRIBED: 'already_subscribed',
  /** Unsubscribe from a channel this connection is not subscribed to (nothing changes). */
  NOT_SUBSCRIBED: 'not_subscribed',
  /** The server's `authorize` hook refused the channel. */
  FORBIDDEN: 'forbidden',
  /** Joining would pass `maxPresencePerConnection` or `maxPresenceMembersPerChannel` (nothing changes). */
  PRESENCE_LIMIT: 'presence_limit',
} as const)
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]
