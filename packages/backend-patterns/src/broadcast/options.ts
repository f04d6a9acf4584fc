import type { IncomingMessage } from 'node:http'
import type { Logger } from '@pattern-stack/sync-protocol'
import { DEFAULT_HEARTBEAT_MS, DEFAULT_LIMITS, type ProtocolLimits } from '@pattern-stack/sync-protocol'
import type { BroadcastEngine } from './engine.js'
import type { BroadcastHistory } from './history.js'

/** What `authorize` and logs see of a connection. */
export interface BroadcastConnectionInfo {
  /** The public id sent in `welcome`; broadcasts its requests cause carry it as `origin`. */
  readonly id: string
  /** The object `authenticate` returned for this connection (`undefined` if it returned `true`). */
  readonly user: object | undefined
  /**
   * The upgrade request's headers named in the `connectionHeaders` option (none by default: kept
   * for the connection's lifetime, every header costs memory on each connection).
   */
  readonly headers: IncomingMessage['headers']
  readonly remoteAddress: string | undefined
  /** Channels the connection is subscribed to right now. */
  readonly channels: ReadonlySet<string>
}

export interface WebSocketBroadcastBackendOptions {
  /** Fan-out between server instances. Default: `new MemoryBroadcastEngine()` (one process). */
  engine?: BroadcastEngine
  /** Overrides of the protocol's `DEFAULT_LIMITS` (frame size, channels, name length, rate, buffer). */
  limits?: Partial<ProtocolLimits>
  /** Interval of the WebSocket ping heartbeat in ms (default 30 000). */
  heartbeatMs?: number
  /**
   * Runs at the upgrade. Falsy: HTTP 401 and no upgrade. An object becomes the connection's `user`.
   * A thrown error or rejected promise answers HTTP 500 (and is logged).
   */
  authenticate?: (
    request: IncomingMessage,
  ) => boolean | object | null | undefined | Promise<boolean | object | null | undefined>
  /** Runs for each channel of each subscribe. Falsy: `forbidden` error frame naming the channel. */
  authorize?: (connection: BroadcastConnectionInfo, channel: string) => boolean | Promise<boolean>
  /**
   * Key of the origin tokens (`X-Broadcast-Origin`, see `verifyOrigin`), at least 32 bytes. Give
   * every instance behind one load balancer the same secret, so a token issued by one verifies on
   * all. Default: random per process (then a token only verifies on the instance that issued it).
   */
  originSecret?: string | Uint8Array
  /** When set, the upgrade's `Origin` header must be one of these (else HTTP 403). */
  allowedOrigins?: string[]
  /**
   * Upgrade request headers kept on each connection as `connection.headers` for `authorize` and
   * `revoke` (names, any case). Default none: `authenticate` sees the whole request and can return
   * what later hooks need as the connection's `user`, which costs less than keeping headers.
   */
  connectionHeaders?: string[]
  /**
   * Most open connections (and upgrades in progress) on this backend; one more is refused with
   * HTTP 503 before `authenticate` runs. Default 10 000.
   */
  maxConnections?: number
  /**
   * Most open connections (and upgrades in progress) from one address (`addressOf`); one more is
   * refused with HTTP 429 before `authenticate` runs. Default 1000 (many users may share one NAT
   * address; raise it for load tests from one machine).
   */
  maxConnectionsPerAddress?: number
  /**
   * The address a connection counts against for `maxConnectionsPerAddress`. Default: the socket's
   * remote address. Behind a proxy, return the client address it forwards (only if the proxy
   * overwrites that header, or anyone can pick their own address).
   */
  addressOf?: (request: IncomingMessage) => string | undefined
  /**
   * A connection that has subscribed to no channel this long after it opened is closed with 4002
   * SUBSCRIBE_TIMEOUT (ms, default 60 000; `Infinity`: never). Once it subscribed it is never
   * closed for this, even when it later unsubscribes from everything.
   */
  subscribeTimeoutMs?: number
  /**
   * How long `close()` and slow-consumer closes wait for the closing handshake before they
   * terminate the socket (ms, default 2000).
   */
  closeTimeoutMs?: number
  /**
   * Who a connection is, shown to the others present on the same channel as the member's `user`
   * (docs/protocol.md "Presence"), e.g. `(c) => (c.user as { name?: string })?.name`. At most 64
   * characters; anything else is left out. Without it members carry only the label their client chose.
   */
  presenceIdentity?: (connection: BroadcastConnectionInfo) => string | undefined
  /**
   * How often each instance republishes its presence members through the engine (ms, default
   * 5000). Members of an instance that died without a word disappear from the others within four
   * times this.
   */
  presenceRefreshMs?: number
  /**
   * The window `close()` asks clients to spread their reconnects over (ms; the reason of its 4012
   * RESTARTING close). Default: one ms per open connection, between 1000 and 4000 (about 1,000
   * reconnects a second at most, and every client back within 4 s of the new server listening).
   */
  restartWindowMs?: number
  /**
   * Where changes are looked up by position (e.g. `drizzleBroadcastHistory` over the broadcast log).
   * With it the backend announces `history: true` in `welcome`, adds each channel's latest position
   * to `subscribed` acks and answers `recover`, so reconnecting clients refetch only what changed.
   */
  history?: BroadcastHistory
  logger?: Logger
}

export interface ResolvedOptions {
  limits: ProtocolLimits
  heartbeatMs: number
  closeTimeoutMs: number
  /** `undefined`: from the number of connections at `close()` (`restartWindow`). */
  restartWindowMs: number | undefined
  maxConnections: number
  maxConnectionsPerAddress: number
  subscribeTimeoutMs: number
  presenceRefreshMs: number
  allowedOrigins: ReadonlySet<string> | null
  /** Lower-case names of the headers kept per connection. */
  connectionHeaders: readonly string[]
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive integer, got ${JSON.stringify(value)}`)
  }
  return value
}

/** Validates the options, throwing a TypeError that names the first bad one. */
export function resolveOptions(options: WebSocketBroadcastBackendOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('WebSocketBroadcastBackend options must be an object')
  }
  const limits: ProtocolLimits = { ...DEFAULT_LIMITS }
  for (const [key, value] of Object.entries(options.limits ?? {})) {
    if (!(key in DEFAULT_LIMITS)) {
      throw new TypeError(
        `unknown limit ${JSON.stringify(key)}; known: ${Object.keys(DEFAULT_LIMITS).join(', ')}`,
      )
    }
    if (value !== undefined) limits[key as keyof ProtocolLimits] = positiveInteger(`limits.${key}`, value)
  }
  for (const hook of ['authenticate', 'authorize', 'addressOf', 'presenceIdentity'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new TypeError(`${hook} must be a function`)
    }
  }
  let allowedOrigins: ReadonlySet<string> | null = null
  if (options.allowedOrigins !== undefined) {
    if (
      !Array.isArray(options.allowedOrigins) ||
      !options.allowedOrigins.every((o) => typeof o === 'string')
    ) {
      throw new TypeError('allowedOrigins must be an array of strings such as "https://app.example.com"')
    }
    allowedOrigins = new Set(options.allowedOrigins)
  }
  const connectionHeaders = options.connectionHeaders ?? []
  if (
    !Array.isArray(connectionHeaders) ||
    !connectionHeaders.every((h) => typeof h === 'string' && h !== '')
  ) {
    throw new TypeError('connectionHeaders must be an array of header names such as "user-agent"')
  }
  return {
    limits,
    heartbeatMs: positiveInteger('heartbeatMs', options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS),
    closeTimeoutMs: positiveInteger('closeTimeoutMs', options.closeTimeoutMs ?? 2000),
    restartWindowMs:
      options.restartWindowMs === undefined
        ? undefined
        : positiveInteger('restartWindowMs', options.restartWindowMs),
    maxConnections: positiveInteger('maxConnections', options.maxConnections ?? 10_000),
    maxConnectionsPerAddress: positiveInteger(
      'maxConnectionsPerAddress',
      options.maxConnectionsPerAddress ?? 1000,
    ),
    subscribeTimeoutMs:
      options.subscribeTimeoutMs === Number.POSITIVE_INFINITY
        ? Number.POSITIVE_INFINITY
        : positiveInteger('subscribeTimeoutMs', options.subscribeTimeoutMs ?? 60_000),
    presenceRefreshMs: positiveInteger('presenceRefreshMs', options.presenceRefreshMs ?? 5000),
    allowedOrigins,
    connectionHeaders: connectionHeaders.map((name) => name.toLowerCase()),
  }
}
