import type { Logger } from '@pattern-stack/sync-protocol'
import { CloseCode, decodeClientFrame, ErrorCode, type ProtocolLimits } from '@pattern-stack/sync-protocol'
import type { RawData } from 'ws'
import type { ChannelRegistry } from './channel-registry.js'
import type { BroadcastConnection } from './connection.js'
import type { BroadcastHistory } from './history.js'
import type { WebSocketBroadcastBackendOptions } from './options.js'
import type { PresenceRegistry } from './presence.js'

export interface InboundSettings {
  limits: ProtocolLimits
  authorize: WebSocketBroadcastBackendOptions['authorize']
  logger: Logger
  registry: ChannelRegistry<BroadcastConnection>
  /** False once the backend forgot the connection (it closed while a hook ran). */
  isLive(connection: BroadcastConnection): boolean
  /** The engine's start while it is still starting (acks wait for it), else `null`. */
  engineStarting(): Promise<void> | null
  /** Positions and recovery (docs/protocol.md); without it acks carry no positions and `recover` can only answer "cannot tell". */
  history?: BroadcastHistory | undefined
  /** Who is present where (`presence` frames). */
  presence: PresenceRegistry
}

/**
 * The inbound half of wire protocol v1 (docs/protocol.md): what the server does with each frame a
 * client sends. Rate limit (4008), binary frames and undecodable ones (`error` frames naming the
 * problem), `ping` → `pong`, `presence` (PresenceRegistry), and the subscribe / unsubscribe semantics below. Frames of one
 * connection are handled one after another (its `inbound` queue), even when `authorize` or the
 * engine is asynchronous, so replies come back in the order of the requests.
 */
export class InboundProtocol {
  constructor(private readonly settings: InboundSettings) {}

  /** A frame arrived on `connection`: rate-limit it, then handle it after the connection's earlier ones. */
  receive(connection: BroadcastConnection, data: RawData, isBinary: boolean): void {
    if (!connection.isOpen) return
    if (!connection.rateLimiter.take()) {
      this.settings.logger.info?.(`broadcast connection ${connection.id}: rate limited`)
      connection.close(CloseCode.RATE_LIMITED, 'too many frames per second')
      return
    }
    connection.inOrder(() => this.handle(connection, data, isBinary))
  }

  private handle(connection: BroadcastConnection, data: RawData, isBinary: boolean): void | Promise<void> {
    if (!connection.isOpen) return
    if (isBinary) {
      connection.send({
        error: {
          code: ErrorCode.BINARY_FRAME,
          message: 'binary frames are not part of the protocol; send JSON text frames',
        },
      })
      return
    }
    const decoded = decodeClientFrame(rawToString(data), this.settings.limits.maxChannelNameLength)
    if (!decoded.ok) {
      connection.send({ error: decoded.problem })
      return
    }
    const frame = decoded.frame
    if ('ping' in frame) connection.send({ pong: frame.ping })
    else if ('recover' in frame) return this.recover(connection, frame.recover)
    else if ('presence' in frame) return this.settings.presence.receive(connection, frame.presence)
    else if ('subscribe' in frame) return this.subscribe(connection, frame.subscribe)
    else this.unsubscribe(connection, frame.unsubscribe)
  }

  /**
   * Subscribe semantics (one frame, already validated whole by the protocol decoder):
   * - Frame-level refusal: if the channels not yet subscribed would pass `maxChannelsPerConnection`,
   *   one `too_many_channels` error, nothing changes and no ack (checked before `authorize`, so an
   *   abusive frame never reaches the hook).
   * - Channel-level refusals: a channel already subscribed gets `already_subscribed`, one the
   *   `authorize` hook refuses (or throws for) gets `forbidden`; the other channels are subscribed.
   * - Then always exactly one `{"subscribed": [...]}` listing the requested channels the
   *   connection is subscribed to now (already-subscribed ones included, refused ones not), even
   *   when that list is empty. It is sent once the engine listens to every channel in it, so any
   *   broadcast published after the ack reaches the connection.
   */
  private subscribe(connection: BroadcastConnection, channels: string[]): void | Promise<void> {
    const fresh = channels.filter((c) => !connection.channels.has(c))
    const total = connection.channels.size + fresh.length
    if (total > this.settings.limits.maxChannelsPerConnection) {
      connection.send({
        error: {
          code: ErrorCode.TOO_MANY_CHANNELS,
          message: `subscribing would make ${total} channels on this connection; the limit is ${this.settings.limits.maxChannelsPerConnection}`,
        },
      })
      return
    }
    const authorize = this.settings.authorize
    if (!authorize || fresh.length === 0) return this.completeSubscribe(connection, channels, fresh)
    return Promise.all(
      fresh.map(async (channel) => {
        try {
          return Boolean(await authorize(connection, channel))
        } catch (error) {
          this.settings.logger.error?.(`broadcast authorize hook threw for ${JSON.stringify(channel)}`, error)
          return false
        }
      }),
    ).then((verdicts) =>
      this.completeSubscribe(
        connection,
        channels,
        fresh.filter((_, i) => verdicts[i]),
      ),
    )
  }

  private completeSubscribe(
    connection: BroadcastConnection,
    requested: string[],
    allowed: string[],
  ): void | Promise<void> {
    // The connection may have closed while `authorize` ran: then it must not join any channel.
    if (!connection.isOpen || !this.settings.isLive(connection)) return
    const allowedSet = new Set(allowed)
    for (const channel of requested) {
      if (connection.channels.has(channel)) {
        connection.send({
          error: {
            code: ErrorCode.ALREADY_SUBSCRIBED,
            message: `already subscribed to ${JSON.stringify(channel)}; nothing changed`,
            channel,
          },
        })
      } else if (!allowedSet.has(channel)) {
        connection.send({
          error: {
            code: ErrorCode.FORBIDDEN,
            message: `not allowed to subscribe to ${JSON.stringify(channel)}`,
            channel,
          },
        })
      }
    }
    const pending: Promise<void>[] = []
    if (allowed.length > 0) connection.subscribed()
    for (const channel of allowed) {
      connection.channels.add(channel)
      const ready = this.settings.registry.add(channel, connection)
      if (ready) pending.push(ready)
    }
    const ack = () => {
      const subscribed = requested.filter((c) => connection.channels.has(c))
      const history = this.settings.history
      if (!history || subscribed.length === 0) return connection.send({ subscribed })
      // Read once the engine listens: every change after these positions reaches the connection.
      return history.positions(subscribed).then(
        (found) => {
          const positions: Record<string, number> = {}
          const epochs: Record<string, string> = {}
          for (const [channel, { position, epoch }] of Object.entries(found)) {
            positions[channel] = position
            if (epoch !== undefined) epochs[channel] = epoch
          }
          const withEpochs = Object.keys(epochs).length > 0
          connection.send({ subscribed, positions, ...(withEpochs ? { epochs } : {}) })
        },
        (error: unknown) => {
          this.settings.logger.error?.('broadcast history: reading positions failed', error)
          connection.send({ subscribed })
        },
      )
    }
    const starting = this.settings.engineStarting()
    if (pending.length === 0 && starting === null) return ack()
    return Promise.all([starting?.catch(() => {}), ...pending]).then(ack)
  }

  /**
   * `{"recover": {"order": 41}}`: what changed on each channel after that position, from the
   * history, in one `{"recovered": {...}}`. Every channel must be subscribed by this connection
   * (else one `not_subscribed` error and no answer: nothing is looked up). Without a history, or
   * when the lookup fails, a channel's answer is `changed: null` (the client refetches everything).
   */
  private recover(connection: BroadcastConnection, since: Record<string, number>): Promise<void> | void {
    const channels = Object.keys(since)
    const unknown = channels.find((channel) => !connection.channels.has(channel))
    if (unknown !== undefined) {
      connection.send({
        error: {
          code: ErrorCode.NOT_SUBSCRIBED,
          message: `recover: not subscribed to ${JSON.stringify(unknown)}; subscribe first. Nothing was looked up`,
          channel: unknown,
        },
      })
      return
    }
    const history = this.settings.history
    return Promise.all(
      channels.map(async (channel) => {
        const position = since[channel] as number
        if (!history) return [channel, { position, changed: null }] as const
        try {
          return [channel, await history.changesSince(channel, position)] as const
        } catch (error) {
          this.settings.logger.error?.(
            `broadcast history: recovering ${JSON.stringify(channel)} failed`,
            error,
          )
          return [channel, { position, changed: null }] as const
        }
      }),
    ).then((answers) => {
      if (connection.isOpen) connection.send({ recovered: Object.fromEntries(answers) })
    })
  }

  /**
   * Unsubscribe: a channel not subscribed gets `not_subscribed` (nothing changes for it); the others
   * are left. Then always one `{"unsubscribed": [...]}` listing every requested channel, since
   * none of them is subscribed any more.
   */
  private unsubscribe(connection: BroadcastConnection, channels: string[]): void {
    for (const channel of channels) {
      if (connection.channels.delete(channel)) {
        this.settings.registry.remove(channel, connection)
      } else {
        connection.send({
          error: {
            code: ErrorCode.NOT_SUBSCRIBED,
            message: `not subscribed to ${JSON.stringify(channel)}; nothing changed`,
            channel,
          },
        })
      }
    }
    connection.send({ unsubscribed: channels })
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}
