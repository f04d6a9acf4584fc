// Types only: ioredis is an optional peer, loaded by start() so the broadcast entry point works without it.
import type { Redis, RedisOptions } from 'ioredis'
import { channelsToResync, DroppedBroadcasts, encodeResyncNotices } from './dropped-broadcasts.js'
import type { BroadcastEngine, DeliverFrame, RequestResync } from './engine.js'
import { describeError, type EngineLogger, OutageLog } from './engine-logger.js'
import { type ReconnectBackoff, reconnectDelay } from './reconnect-backoff.js'

export interface RedisBroadcastEngineOptions {
  /** `redis://[user:password@]host:port[/db]`. Default: `REDIS_URL`, else `redis://127.0.0.1:6379`. */
  url?: string
  /** Extra ioredis options for both connections (the engine sets the fault-handling ones itself). */
  redis?: RedisOptions
  /**
   * Prefix of the Redis pub/sub channel for each broadcast channel (default `sync:`), so several
   * apps can share one Redis. Every instance of one app must use the same prefix.
   */
  prefix?: string
  /** Longest a publish may wait for Redis before it counts as dropped (ms, default 1000). */
  publishTimeoutMs?: number
  /** How long `start()` waits for the first connection before it fails (ms, default 5000). */
  connectTimeoutMs?: number
  /** Reconnect delays (exponential with jitter; default 100 ms doubling up to 5 s). */
  backoff?: ReconnectBackoff
  /** Distinct channels remembered while publishes are dropped before asking for a full resync. */
  maxDroppedChannels?: number
  logger?: EngineLogger
}

/**
 * Fan-out through Redis pub/sub: one PUBLISH per broadcast; each instance SUBSCRIBEs only to the
 * channels that have local subscribers, on a dedicated subscriber connection.
 *
 * Faults: both connections reconnect with backoff, forever. A publish never waits on an outage:
 * it is dropped at once (no offline queue, `publishTimeoutMs` for a server that hangs), logged
 * once per outage, and covered by a resync: the subscriber connection, after reconnecting and
 * resubscribing, resyncs every local channel; and channels whose broadcasts were dropped while
 * only this instance's publisher was cut off are announced on a control channel once the
 * publisher is back, so the instances subscribed to them resync too.
 */
export class RedisBroadcastEngine implements BroadcastEngine {
  readonly prefix: string
  /** Redis channel of resync notices; `#` cannot occur in a broadcast channel name. */
  readonly controlChannel: string
  private readonly url: string
  private readonly options: RedisBroadcastEngineOptions
  private readonly logger: EngineLogger
  private readonly channels = new Set<string>()
  private readonly dropped: DroppedBroadcasts
  private readonly publishLog: OutageLog
  private readonly subscribeLog: OutageLog
  private publisher: Redis | null = null
  private subscriber: Redis | null = null
  private deliver: DeliverFrame = () => {}
  private resync: RequestResync = () => {}
  private subscriberWasReady = false
  private closed = false

  constructor(options: RedisBroadcastEngineOptions = {}) {
    const prefix = options.prefix ?? 'sync:'
    if (typeof prefix !== 'string' || prefix.includes('#')) {
      throw new TypeError(`prefix must be a string without "#", got ${JSON.stringify(prefix)}`)
    }
    this.options = options
    this.url = options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
    this.prefix = prefix
    this.controlChannel = `${prefix}#resync`
    this.logger = options.logger ?? console
    this.dropped = new DroppedBroadcasts(options.maxDroppedChannels)
    this.publishLog = new OutageLog(this.logger, `Redis broadcast publisher (${redactUrl(this.url)})`)
    this.subscribeLog = new OutageLog(this.logger, `Redis broadcast subscriber (${redactUrl(this.url)})`)
  }

  /** Channels this instance listens to: those with local subscribers. */
  get listening(): ReadonlySet<string> {
    return this.channels
  }

  async start(deliver: DeliverFrame, resync: RequestResync): Promise<void> {
    if (this.publisher) throw new Error('RedisBroadcastEngine.start() was already called')
    this.deliver = deliver
    this.resync = resync
    const { Redis } = await import('ioredis')
    if (this.publisher) throw new Error('RedisBroadcastEngine.start() was already called')
    const common: RedisOptions = {
      ...this.options.redis,
      lazyConnect: true,
      // Never queue commands while disconnected and never retry them: a publish fails at once.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => reconnectDelay(attempt, this.options.backoff),
    }
    const name = this.options.redis?.connectionName ?? 'sync-patterns'
    const publisher = new Redis(this.url, {
      ...common,
      commandTimeout: this.options.publishTimeoutMs ?? 1000,
      connectionName: `${name}:publish`,
    })
    // Resubscribing is ours to do, so that resync follows it.
    const subscriber = new Redis(this.url, {
      ...common,
      autoResubscribe: false,
      connectionName: `${name}:subscribe`,
    })
    this.publisher = publisher
    this.subscriber = subscriber

    publisher.on('error', (error) => this.publishLog.failed(error))
    publisher.on('ready', () => {
      this.publishLog.recovered()
      void this.flushDropped()
    })
    subscriber.on('error', (error) => this.subscribeLog.failed(error))
    subscriber.on('close', () => {
      if (!this.closed && this.subscriberWasReady) this.subscribeLog.failed('connection closed')
    })
    subscriber.on('ready', () => void this.onSubscriberReady())
    subscriber.on('message', (key: string, message: string) => this.onMessage(key, message))

    let lastError: unknown = null
    const remember = (error: unknown) => {
      lastError = error
    }
    publisher.on('error', remember)
    subscriber.on('error', remember)
    try {
      await withTimeout(
        Promise.all([publisher.connect(), subscriber.connect()]),
        this.options.connectTimeoutMs ?? 5000,
      )
      await subscriber.subscribe(this.controlChannel, ...[...this.channels].map((c) => this.key(c)))
      this.subscriberWasReady = true
    } catch (error) {
      await this.close()
      const reason = describeError(lastError ?? error)
      throw new Error(`RedisBroadcastEngine could not connect to Redis at ${redactUrl(this.url)}: ${reason}`)
    } finally {
      publisher.off('error', remember)
      subscriber.off('error', remember)
    }
  }

  /** One PUBLISH of the encoded frame. Resolves even when Redis is down (the broadcast is dropped). */
  async publish(channel: string, frame: string): Promise<void> {
    const publisher = this.requireStarted()
    try {
      await publisher.publish(this.key(channel), frame)
      this.publishLog.recovered()
      if (!this.dropped.isEmpty) void this.flushDropped()
    } catch (error) {
      this.publishLog.failed(error)
      this.dropped.record(channel)
    }
  }

  async addChannel(channel: string): Promise<void> {
    this.channels.add(channel)
    const subscriber = this.subscriber
    if (subscriber?.status !== 'ready') return // subscribed on (re)connect
    try {
      await subscriber.subscribe(this.key(channel))
    } catch (error) {
      // The connection dropped meanwhile; the reconnect resubscribes and resyncs this channel.
      this.subscribeLog.failed(error)
    }
  }

  async removeChannel(channel: string): Promise<void> {
    if (!this.channels.delete(channel)) return
    const subscriber = this.subscriber
    if (subscriber?.status !== 'ready') return
    try {
      await subscriber.unsubscribe(this.key(channel))
    } catch (error) {
      this.subscribeLog.failed(error) // a new connection starts without it anyway
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.deliver = () => {}
    this.resync = () => {}
    const connections = [this.publisher, this.subscriber].filter((c): c is Redis => c !== null)
    await Promise.all(
      connections.map(async (connection) => {
        if (connection.status === 'ready') {
          await connection.quit().catch(() => connection.disconnect())
        } else connection.disconnect()
      }),
    )
  }

  private key(channel: string): string {
    return this.prefix + channel
  }

  private onMessage(key: string, message: string): void {
    if (key === this.controlChannel) {
      const channels = channelsToResync(message, this.channels)
      if (channels.length > 0) this.resync(channels)
      return
    }
    if (!key.startsWith(this.prefix)) return
    const channel = key.slice(this.prefix.length)
    // A message can still arrive between our UNSUBSCRIBE and Redis processing it.
    if (this.channels.has(channel)) this.deliver(channel, message)
  }

  /** First connect is handled by start(); after a reconnect: resubscribe, then resync. */
  private async onSubscriberReady(): Promise<void> {
    const subscriber = this.subscriber
    if (!this.subscriberWasReady || this.closed || !subscriber) return
    const channels = [...this.channels]
    try {
      await subscriber.subscribe(this.controlChannel, ...channels.map((c) => this.key(c)))
    } catch (error) {
      this.subscribeLog.failed(error) // dropped again; the next 'ready' retries
      return
    }
    this.subscribeLog.recovered(`resubscribed to ${channels.length} channel(s)`)
    // Channels added while we were resubscribing were subscribed by addChannel itself, but
    // their subscribers may also have missed events, so resync everything local now.
    const affected = [...this.channels]
    if (affected.length > 0) this.resync(affected)
  }

  /** Announces the channels whose broadcasts were dropped (see DroppedBroadcasts). */
  private async flushDropped(): Promise<void> {
    const publisher = this.publisher
    const notice = this.dropped.take()
    if (!notice || !publisher) return
    try {
      for (const message of encodeResyncNotices(notice)) await publisher.publish(this.controlChannel, message)
    } catch (error) {
      this.dropped.restore(notice)
      this.publishLog.failed(error)
    }
  }

  private requireStarted(): Redis {
    if (!this.publisher) throw new Error('RedisBroadcastEngine: call start() before publish()')
    if (this.closed) throw new Error('RedisBroadcastEngine: publish() after close()')
    return this.publisher
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
