import type { Logger } from '@pattern-stack/sync-protocol'
// Types only: ioredis is an optional peer, loaded by connect() so that importing this module
// needs no ioredis at run time.
import type { Redis, RedisOptions } from 'ioredis'
import { describeError } from './engine-logger.js'
import { PubSubBroadcastEngine } from './pub-sub-engine.js'
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
  logger?: Logger
}

/**
 * Fan-out through Redis pub/sub: one PUBLISH per broadcast; each instance SUBSCRIBEs only to the
 * channels that have local subscribers, on a dedicated subscriber connection.
 *
 * The transport only: dropped publishes, resync notices, outage logs and resync after a reconnect
 * are PubSubBroadcastEngine's. Both connections reconnect with backoff, forever (ioredis'
 * `retryStrategy`); commands are never queued offline nor retried, so a publish fails at once
 * during an outage (`publishTimeoutMs` for a server that hangs). After a reconnect the subscriber
 * connection resubscribes (ours to do, so that the resync follows it).
 */
export class RedisBroadcastEngine extends PubSubBroadcastEngine {
  private readonly url: string
  private readonly options: RedisBroadcastEngineOptions
  private publisher: Redis | null = null
  private subscriber: Redis | null = null
  private subscriberWasReady = false
  private lastError: unknown = null

  constructor(options: RedisBroadcastEngineOptions = {}) {
    const prefix = options.prefix ?? 'sync:'
    if (typeof prefix !== 'string' || prefix.includes('#')) {
      throw new TypeError(`prefix must be a string without "#", got ${JSON.stringify(prefix)}`)
    }
    const url = options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
    super({
      name: 'RedisBroadcastEngine',
      prefix,
      // `#` cannot occur in a broadcast channel name.
      controlChannel: `${prefix}#resync`,
      publisherName: `Redis broadcast publisher (${redactUrl(url)})`,
      listenerName: `Redis broadcast subscriber (${redactUrl(url)})`,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      publishTimeoutMs: options.publishTimeoutMs ?? 1000,
      maxDroppedChannels: options.maxDroppedChannels,
      logger: options.logger,
    })
    this.options = options
    this.url = url
  }

  protected transportName(channel: string): string {
    return this.prefix + channel
  }

  protected async connect(): Promise<void> {
    const { Redis } = await import('ioredis')
    if (this.closed) throw new Error('closed while starting')
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
      commandTimeout: this.publishTimeoutMs,
      connectionName: `${name}:publish`,
    })
    const subscriber = new Redis(this.url, {
      ...common,
      autoResubscribe: false,
      connectionName: `${name}:subscribe`,
    })
    this.publisher = publisher
    this.subscriber = subscriber

    publisher.on('error', (error) => {
      this.lastError = error
      this.publisherFailed(error)
    })
    publisher.on('ready', () => this.publisherRecovered())
    subscriber.on('error', (error) => {
      this.lastError = error
      this.listenerFailed(error)
    })
    subscriber.on('close', () => {
      if (!this.closed && this.subscriberWasReady) this.listenerFailed('connection closed')
    })
    subscriber.on('ready', () => void this.onSubscriberReady())
    subscriber.on('message', (key: string, message: string) => this.received(key, message))

    await Promise.all([publisher.connect(), subscriber.connect()])
    await subscriber.subscribe(...this.listenNames())
    this.subscriberWasReady = true
  }

  protected connectFailure(error: unknown): Error {
    const reason = describeError(this.lastError ?? error)
    return new Error(`RedisBroadcastEngine could not connect to Redis at ${redactUrl(this.url)}: ${reason}`)
  }

  protected async send(name: string, message: string): Promise<void> {
    if (!this.publisher) throw new Error('not connected')
    await this.publisher.publish(name, message)
  }

  protected async listen(name: string): Promise<void> {
    const subscriber = this.subscriber
    if (subscriber?.status === 'ready') await subscriber.subscribe(name) // else subscribed on (re)connect
  }

  protected async unlisten(name: string): Promise<void> {
    const subscriber = this.subscriber
    if (subscriber?.status === 'ready') await subscriber.unsubscribe(name)
  }

  protected async disconnect(): Promise<void> {
    const connections = [this.publisher, this.subscriber].filter((c): c is Redis => c !== null)
    await Promise.all(
      connections.map(async (connection) => {
        if (connection.status === 'ready') {
          await connection.quit().catch(() => connection.disconnect())
        } else connection.disconnect()
      }),
    )
  }

  /** First connect is handled by connect(); after a reconnect: resubscribe, then resync. */
  private async onSubscriberReady(): Promise<void> {
    const subscriber = this.subscriber
    if (!this.subscriberWasReady || this.closed || !subscriber) return
    try {
      await subscriber.subscribe(...this.listenNames())
    } catch (error) {
      this.listenerFailed(error) // dropped again; the next 'ready' retries
      return
    }
    this.listenerRecovered()
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
