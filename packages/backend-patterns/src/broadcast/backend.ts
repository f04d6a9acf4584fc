import type { IncomingMessage, Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from '@pattern-stack/sync-protocol'
import {
  CloseCode,
  DEFAULT_BROADCAST_PATH,
  ErrorCode,
  type EventPayload,
  encodeEventFrame,
  encodeRestartReason,
  PROTOCOL_VERSION,
  type PresenceMember,
  type ProtocolLimits,
} from '@pattern-stack/sync-protocol'
import { type RawData, type WebSocket, WebSocketServer } from 'ws'
import { BroadcastSocket } from './broadcast-socket.js'
import { ChannelRegistry } from './channel-registry.js'
import { BroadcastConnection, type ConnectionSettings } from './connection.js'
import type { BroadcastEngine } from './engine.js'
import { InboundProtocol } from './inbound-protocol.js'
import { MemoryBroadcastEngine } from './memory-engine.js'
import {
  type BroadcastConnectionInfo,
  type ResolvedOptions,
  resolveOptions,
  type WebSocketBroadcastBackendOptions,
} from './options.js'
import { OriginTokens } from './origin-token.js'
import { prebuildTextFrame } from './prebuilt-frame.js'
import { PresenceRegistry } from './presence.js'
import { refuseUnclaimedUpgrade, refuseUpgrade } from './refuse-upgrade.js'
import { SpreadHeartbeat } from './spread-heartbeat.js'
import { WriteCoalescer } from './write-coalescer.js'

export interface AttachOptions {
  /**
   * URL path of the endpoint (default `/ws/broadcast`). An upgrade to another path is answered
   * HTTP 404 when no other `'upgrade'` listener is on the server, else left to the other listeners.
   */
  path?: string
}

export interface BroadcastOptions {
  /**
   * Connection id of the client whose request caused the change, as `verifyOrigin` returned it for
   * the request's `X-Broadcast-Origin`. Never the raw header: anyone can send any id.
   */
  origin?: string
  /** The change's position in the channel's commit order (from the broadcast log), sent as `position`. */
  position?: number
}

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void

/**
 * The server half of broadcast invalidation (SYNC-012 §1.1): a WebSocket endpoint where clients
 * subscribe to channels, and `broadcast()` to send `{"channel","event","payload"}` to a channel's
 * subscribers. Speaks wire protocol v1 (docs/protocol.md) through `@pattern-stack/sync-protocol`.
 *
 * Each broadcast is encoded once, published once through the engine, and on delivery framed once
 * for all local subscribers; writes to one socket within a tick are coalesced. What clients send is
 * handled by `InboundProtocol` (inbound-protocol.ts).
 */
export class WebSocketBroadcastBackend {
  readonly engine: BroadcastEngine
  private readonly options: ResolvedOptions
  private readonly limits: ProtocolLimits
  private readonly authenticate: WebSocketBroadcastBackendOptions['authenticate']
  private readonly authorize: WebSocketBroadcastBackendOptions['authorize']
  private readonly inbound: InboundProtocol
  private readonly presence: PresenceRegistry
  private readonly logger: Logger
  private readonly wss: WebSocketServer
  private readonly connections = new Set<BroadcastConnection>()
  /** Upgrades between the capacity check and `open` (authenticate may take a while). */
  private pendingUpgrades = 0
  /** Open connections and pending upgrades per address (`addressOf`). */
  private readonly perAddress = new Map<string, number>()
  private readonly addressOf: (request: IncomingMessage) => string
  private readonly registry: ChannelRegistry<BroadcastConnection>
  private readonly coalescer = new WriteCoalescer()
  private readonly originTokens: OriginTokens
  private readonly attachments: { server: Server; listener: UpgradeListener }[] = []
  private readonly heartbeat: SpreadHeartbeat<BroadcastConnection>
  /** The listeners of every socket (each finds its connection through `this`). */
  private readonly socketListeners: ReturnType<WebSocketBroadcastBackend['createSocketListeners']>
  /** One settings object for every connection (one per connection cost memory on each). */
  private readonly connectionSettings: ConnectionSettings
  private readonly starting: Promise<void>
  private engineStarted = false
  private readonly hasHistory: boolean
  private closing: Promise<void> | null = null

  constructor(options: WebSocketBroadcastBackendOptions = {}) {
    this.options = resolveOptions(options)
    this.limits = this.options.limits
    this.authenticate = options.authenticate
    this.authorize = options.authorize
    this.logger = options.logger ?? {}
    this.engine = options.engine ?? new MemoryBroadcastEngine()
    this.originTokens = new OriginTokens(options.originSecret)
    const addressOf = options.addressOf
    this.addressOf = (request) =>
      (addressOf ? addressOf(request) : undefined) ?? request.socket.remoteAddress ?? 'unknown'
    this.registry = new ChannelRegistry(this.engine, (action, channel, error) =>
      this.logger.error?.(`broadcast engine ${action}(${JSON.stringify(channel)}) failed`, error),
    )
    this.presence = new PresenceRegistry({
      engine: this.engine,
      limits: this.limits,
      authorize: options.authorize,
      identity: options.presenceIdentity,
      refreshMs: this.options.presenceRefreshMs,
      logger: this.logger,
    })
    this.inbound = new InboundProtocol({
      limits: this.limits,
      authorize: options.authorize,
      logger: this.logger,
      registry: this.registry,
      isLive: (connection) => this.connections.has(connection),
      engineStarting: () => (this.engineStarted ? null : this.starting),
      history: options.history,
      presence: this.presence,
    })
    this.hasHistory = options.history !== undefined
    this.socketListeners = this.createSocketListeners()
    this.connectionSettings = {
      maxBufferedBytes: this.limits.maxBufferedBytes,
      maxMessagesPerSecond: this.limits.maxMessagesPerSecond,
      closeTimeoutMs: this.options.closeTimeoutMs,
      coalescer: this.coalescer,
      onError: (c, error) => this.logger.error?.(`broadcast connection ${c.id}: handler failed`, error),
      logger: this.logger,
    }
    this.wss = new WebSocketServer({
      WebSocket: BroadcastSocket,
      noServer: true,
      clientTracking: false,
      // Broadcasts are written as prebuilt uncompressed frames; compression would break them.
      perMessageDeflate: false,
      maxPayload: this.limits.maxFrameBytes,
    })
    this.starting = this.engine
      .start(
        (channel, frame) => this.deliver(channel, frame),
        (channels) => this.sendResync(channels),
      )
      .then(() => {
        this.engineStarted = true
      })
    this.starting.catch((error: unknown) => this.logger.error?.('broadcast engine failed to start', error))
    this.heartbeat = new SpreadHeartbeat(
      this.options.heartbeatMs,
      () => this.connections,
      (connection) => this.beat(connection),
    )
    this.heartbeat.start()
  }

  /** Resolves once the engine has started; rejects with its error if it could not. */
  ready(): Promise<void> {
    return this.starting
  }

  /** Serves the endpoint on `server` (any Node `http.Server`, including Fastify's `fastify.server`). */
  attach(server: Server, { path = DEFAULT_BROADCAST_PATH }: AttachOptions = {}): this {
    if (this.closing) throw new Error('WebSocketBroadcastBackend.attach() after close()')
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new TypeError(`path must start with "/", got ${JSON.stringify(path)}`)
    }
    if (this.attachments.some((a) => a.server === server)) {
      throw new Error('WebSocketBroadcastBackend is already attached to this server')
    }
    const listener: UpgradeListener = (request, socket, head) => {
      const url = request.url ?? ''
      const query = url.indexOf('?')
      const requested = query === -1 ? url : url.slice(0, query)
      if (requested === path) {
        void this.upgrade(request, socket, head)
      } else if (server.listenerCount('upgrade') === 1) {
        // Nobody else listens for upgrades on this server, so nobody else will answer: without
        // this the client would wait for its own timeout. Where other listeners share the server
        // (Vite's HMR, a proxy, another WebSocket endpoint) the path is theirs to answer or ignore;
        // some take a socket only after awaiting something, so no later moment is safe to judge.
        refuseUnclaimedUpgrade(socket, requested, path, this.logger)
      }
    }
    server.on('upgrade', listener)
    this.attachments.push({ server, listener })
    return this
  }

  /**
   * Sends `{"channel","event","payload"}` (and `origin` when given) to every subscriber of
   * `channel`, and no one else. Throws a TypeError naming the problem for a bad channel, event,
   * payload or origin, before anything is sent.
   */
  async broadcast(
    channel: string,
    eventType: string,
    payload: EventPayload,
    options: BroadcastOptions = {},
  ): Promise<void> {
    const frame = encodeEventFrame(channel, eventType, payload, options?.origin, options?.position)
    if (this.closing) throw new Error('WebSocketBroadcastBackend.broadcast() after close()')
    if (!this.engineStarted) await this.starting
    await this.engine.publish(channel, frame)
  }

  /**
   * The connection a request's `X-Broadcast-Origin` proves, to pass as `broadcast(..., { origin })`:
   * the connection id when the value is the `origin_token` this backend (or one sharing its
   * `originSecret`) gave that connection in `welcome`, else `undefined` (a bare or foreign
   * connection id, a forged or malformed value, no header). Ignoring a bad value only costs its
   * sender a refetch of its own change; it never lets anyone silence another connection.
   */
  verifyOrigin(headerValue: unknown): string | undefined {
    return this.originTokens.verify(headerValue)
  }

  /**
   * Revocation (logout, an expired session, a revoked role): closes every local connection for which
   * `predicate` is true with 4001 UNAUTHORIZED and `reason`, at once (it receives no further
   * broadcast). Returns how many. With several instances, call it on each (e.g. through your own
   * pub/sub message), since each holds only its own connections.
   *
   * @example backend.revoke((c) => (c.user as { id?: string })?.id === userId, 'logged out')
   */
  revoke(predicate: (connection: BroadcastConnectionInfo) => boolean, reason = 'access revoked'): number {
    if (typeof predicate !== 'function') throw new TypeError('revoke(predicate) needs a function')
    if (typeof reason !== 'string' || Buffer.byteLength(reason) > 123) {
      throw new TypeError('revoke reason must be a string of at most 123 bytes (a WebSocket close reason)')
    }
    let closed = 0
    for (const connection of [...this.connections]) {
      if (!predicate(connection)) continue
      connection.close(CloseCode.UNAUTHORIZED, reason)
      this.drop(connection)
      closed++
    }
    return closed
  }

  /**
   * Runs `authorize` again for every channel of every local connection `predicate` selects (default:
   * all), after permissions changed. Each channel it now refuses (or throws for) is left: the
   * connection gets a `forbidden` error naming it, then one `{"unsubscribed": [...]}` listing those
   * channels, and no further broadcast on them; presence on a channel it now refuses ends the same
   * way (a `forbidden` error, then leave). Runs in order with the connection's own frames.
   * Resolves with how many subscriptions and presence entries were removed. Without `authorize`,
   * nothing changes.
   */
  async reauthorize(
    predicate: (connection: BroadcastConnectionInfo) => boolean = () => true,
  ): Promise<number> {
    if (typeof predicate !== 'function') throw new TypeError('reauthorize(predicate) needs a function')
    const authorize = this.authorize
    if (!authorize) return 0
    const removed = await Promise.all(
      [...this.connections]
        .filter((connection) => predicate(connection))
        .map(
          (connection) =>
            new Promise<number>((resolve) => {
              connection.inOrder(async () => {
                try {
                  const removed = await this.reauthorizeOne(connection, authorize)
                  resolve(removed + (await this.presence.reauthorize(connection)))
                } catch (error) {
                  resolve(0)
                  throw error
                }
              })
            }),
        ),
    )
    return removed.reduce((a, b) => a + b, 0)
  }

  private async reauthorizeOne(
    connection: BroadcastConnection,
    authorize: NonNullable<WebSocketBroadcastBackendOptions['authorize']>,
  ): Promise<number> {
    const channels = [...connection.channels]
    const verdicts = await Promise.all(
      channels.map(async (channel) => {
        try {
          return Boolean(await authorize(connection, channel))
        } catch (error) {
          this.logger.error?.(`broadcast authorize hook threw for ${JSON.stringify(channel)}`, error)
          return false
        }
      }),
    )
    const refused = channels.filter((_, i) => !verdicts[i])
    if (refused.length === 0 || !this.connections.has(connection)) return 0
    for (const channel of refused) {
      if (!connection.channels.delete(channel)) continue
      this.registry.remove(channel, connection)
      connection.send({
        error: {
          code: ErrorCode.FORBIDDEN,
          message: `no longer allowed to subscribe to ${JSON.stringify(channel)}; unsubscribed`,
          channel,
        },
      })
    }
    connection.send({ unsubscribed: refused })
    return refused.length
  }

  /** Who is present on `channel` across instances, as this instance knows it (docs/protocol.md "Presence"). */
  getPresence(channel: string): PresenceMember[] {
    return this.presence.members(channel)
  }

  /** Number of local connections subscribed to `channel`. */
  getSubscriberCount(channel: string): number {
    return this.registry.count(channel)
  }

  /** Channels with at least one local subscriber. */
  getAllChannels(): string[] {
    return this.registry.names()
  }

  /** Number of open local connections. */
  getTotalConnections(): number {
    return this.connections.size
  }

  /**
   * Tells the subscribers of `channels` that they may have missed events: each gets one
   * `{"resync": [...]}` naming the ones it subscribes to. Engines call this after a fault.
   */
  sendResync(channels: string[]): void {
    if (!Array.isArray(channels) || !channels.every((c) => typeof c === 'string')) {
      throw new TypeError('sendResync(channels) takes an array of channel names')
    }
    const presence = channels.filter(PresenceRegistry.isEngineChannel)
    if (presence.length > 0) this.presence.resync(presence)
    const perConnection = new Map<BroadcastConnection, string[]>()
    for (const channel of new Set(channels)) {
      for (const connection of this.registry.members(channel) ?? []) {
        const list = perConnection.get(connection)
        if (list) list.push(channel)
        else perConnection.set(connection, [channel])
      }
    }
    for (const [connection, list] of perConnection) connection.send({ resync: list })
  }

  /**
   * Closes every connection (terminating those that do not finish the closing handshake within
   * `closeTimeoutMs`), stops the heartbeat, detaches from the servers and closes the engine.
   * Idempotent. The close is 4012 RESTARTING naming the reconnect window (`restartWindowMs`): our
   * clients come back spread over it, without backing off, so a deploy's new server has them all
   * within seconds and not all at once; any other client reconnects as after any close.
   * `{ restarting: false }` closes with 1001 GOING_AWAY instead (the service is going away for good).
   */
  close({ restarting = true }: { restarting?: boolean } = {}): Promise<void> {
    this.closing ??= this.shutdown(restarting)
    return this.closing
  }

  private async shutdown(restarting: boolean): Promise<void> {
    this.heartbeat.stop()
    this.presence.close()
    for (const { server, listener } of this.attachments) server.off('upgrade', listener)
    this.attachments.length = 0
    const [code, reason] = restarting
      ? [CloseCode.RESTARTING, encodeRestartReason(this.restartWindow())]
      : [CloseCode.GOING_AWAY, 'server shutting down']
    await Promise.all([...this.connections].map((c) => c.closeAndWait(code, reason)))
    await this.starting.catch(() => {})
    await this.engine.close()
    this.wss.close()
  }

  /** The reconnect window a restart names: as configured, else about 1,000 reconnects a second. */
  private restartWindow(): number {
    return this.options.restartWindowMs ?? Math.min(4000, Math.max(1000, this.connections.size))
  }

  // ── connections ──────────────────────────────────────────────────────────────────────────────

  private async upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // The socket may fail while a hook runs; without a listener that error would crash the process.
    const onSocketError = (error: Error) => this.logger.debug?.('broadcast upgrade socket error', error)
    socket.on('error', onSocketError)
    if (this.closing) return refuseUpgrade(socket, 503, 'server shutting down')
    const { allowedOrigins } = this.options
    if (allowedOrigins && !allowedOrigins.has(request.headers.origin ?? '')) {
      this.logger.info?.(`broadcast upgrade refused: origin ${JSON.stringify(request.headers.origin)}`)
      return refuseUpgrade(socket, 403, 'origin not allowed')
    }
    // Capacity before authenticate, so a flood never reaches the hook; pending upgrades count too.
    const address = this.addressOf(request)
    const { maxConnections, maxConnectionsPerAddress } = this.options
    if (this.connections.size + this.pendingUpgrades >= maxConnections) {
      this.logger.info?.(`broadcast upgrade refused: ${maxConnections} connections is the limit`)
      return refuseUpgrade(socket, 503, 'too many connections on this server; retry later')
    }
    if ((this.perAddress.get(address) ?? 0) >= maxConnectionsPerAddress) {
      this.logger.info?.(`broadcast upgrade refused: ${maxConnectionsPerAddress} connections from ${address}`)
      return refuseUpgrade(socket, 429, 'too many connections from this address')
    }
    this.pendingUpgrades++
    this.countAddress(address, 1)
    const closedBeforeOpen = () => {
      this.pendingUpgrades--
      this.countAddress(address, -1)
    }
    socket.once('close', closedBeforeOpen)
    let user: object | undefined
    if (this.authenticate) {
      let result: unknown
      try {
        result = await this.authenticate(request)
      } catch (error) {
        this.logger.error?.('broadcast authenticate hook threw', error)
        return refuseUpgrade(socket, 500, 'authentication failed')
      }
      if (!result) return refuseUpgrade(socket, 401, 'unauthorized')
      if (typeof result === 'object') user = result
      if (socket.destroyed) return
      if (this.closing) return refuseUpgrade(socket, 503, 'server shutting down')
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      // Both listeners would hold this upgrade's scope, the whole request included, for the
      // connection's lifetime (issue 16: memory per connection).
      socket.off('error', onSocketError)
      socket.off('close', closedBeforeOpen)
      this.pendingUpgrades--
      this.open(ws as BroadcastSocket, socket as Socket, request, user, address)
    })
  }

  private countAddress(address: string, delta: number): void {
    const count = (this.perAddress.get(address) ?? 0) + delta
    if (count > 0) this.perAddress.set(address, count)
    else this.perAddress.delete(address)
  }

  private open(
    ws: BroadcastSocket,
    socket: Socket,
    request: IncomingMessage,
    user: object | undefined,
    address: string,
  ): void {
    const connection = new BroadcastConnection(
      ws,
      socket,
      pickHeaders(request.headers, this.options.connectionHeaders),
      request.socket.remoteAddress,
      user,
      this.connectionSettings,
      address,
    )
    this.connections.add(connection)
    connection.armSubscribeTimeout(this.options.subscribeTimeoutMs)
    ws.connection = connection
    const listeners = this.socketListeners
    ws.on('message', listeners.message)
    ws.on('pong', listeners.pong)
    ws.on('error', listeners.error)
    ws.on('close', listeners.close)
    connection.send({
      welcome: {
        connection_id: connection.id,
        origin_token: this.originTokens.issue(connection.id),
        protocol: PROTOCOL_VERSION,
        heartbeat_ms: this.options.heartbeatMs,
        ...(this.hasHistory ? { history: true } : {}),
        presence: true,
      },
    })
  }

  /** Shared by every socket, so a connection costs no closures of its own (issue 16: memory). */
  private createSocketListeners() {
    const inbound = this.inbound
    const logger = this.logger
    const drop = (connection: BroadcastConnection) => this.drop(connection)
    // ws types the listeners' `this` as its WebSocket; the server creates BroadcastSockets.
    const connectionOf = (ws: WebSocket) => (ws as BroadcastSocket).connection
    return {
      message(this: WebSocket, data: RawData, isBinary: boolean): void {
        const connection = connectionOf(this)
        if (connection) inbound.receive(connection, data, isBinary)
      },
      pong(this: WebSocket): void {
        const connection = connectionOf(this)
        if (connection) connection.alive = true
      },
      // ws emits 'error' for protocol violations (oversized frame → 1009, invalid UTF-8 → 1007)
      // and closes the connection itself.
      error(this: WebSocket, error: Error): void {
        logger.debug?.(`broadcast connection ${connectionOf(this)?.id}: ${error.message}`)
      },
      close(this: WebSocket): void {
        const connection = connectionOf(this)
        if (!connection) return
        connection.closed()
        drop(connection)
      },
    }
  }

  /**
   * Forgets a connection that closed, is closing, or could not be written to. Idempotent. Does not
   * touch the socket: a closing one keeps its close timer, so its close frame can still go out.
   */
  private drop(connection: BroadcastConnection): void {
    if (this.connections.delete(connection)) this.countAddress(connection.address, -1)
    for (const channel of connection.channels) this.registry.remove(channel, connection)
    connection.channels.clear()
    this.presence.leaveAll(connection)
  }

  /**
   * Heartbeat of one connection (SpreadHeartbeat visits each once per `heartbeatMs`, spread over
   * the interval): terminate it if it did not answer the previous ping, else ping it.
   */
  private beat(connection: BroadcastConnection): void {
    if (!this.connections.has(connection)) return // closed since the round began
    if (!connection.alive) {
      this.logger.debug?.(`broadcast connection ${connection.id}: no pong, terminating`)
      connection.terminate()
      this.drop(connection)
      return
    }
    connection.alive = false
    if (connection.isOpen) connection.ws.ping()
  }

  // ── fan-out ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Called by the engine for each published frame: one prebuilt WebSocket frame for everyone (or
   * the text, sent through each socket's `ws.send`, when ws has no usable `Sender.frame`).
   */
  private deliver(channel: string, frame: string): void {
    if (PresenceRegistry.isEngineChannel(channel)) {
      this.presence.deliver(channel, frame)
      return
    }
    const members = this.registry.members(channel)
    if (!members || members.size === 0) return
    const outbound = prebuildTextFrame ? prebuildTextFrame(frame) : frame
    for (const connection of members) {
      if (!connection.writeBroadcast(outbound)) this.drop(connection)
    }
  }
}

/** Shared by every connection that keeps no headers (the default). */
const NO_HEADERS: IncomingMessage['headers'] = Object.freeze({})

/** The headers named in `connectionHeaders`, copied, so the request itself can be collected. */
function pickHeaders(
  headers: IncomingMessage['headers'],
  names: readonly string[],
): IncomingMessage['headers'] {
  if (names.length === 0) return NO_HEADERS
  const picked: IncomingMessage['headers'] = {}
  for (const name of names) {
    const value = headers[name]
    if (value !== undefined) picked[name] = value
  }
  return picked
}

export type { BroadcastConnectionInfo }
