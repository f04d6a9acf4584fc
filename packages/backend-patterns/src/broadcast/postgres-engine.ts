import type { Logger } from '@pattern-stack/sync-protocol'
// Types only: pg is an optional peer, loaded by connect() so that importing this module needs no
// pg at run time.
import type pg from 'pg'
import { describeError } from './engine-logger.js'
import {
  assertNotifyPayload,
  assertPostgresPrefix,
  DEFAULT_POSTGRES_PREFIX,
  POSTGRES_MAX_NOTIFY_PAYLOAD_BYTES,
  postgresChannelName,
  postgresControlChannel,
  quoteIdentifier,
} from './postgres-channel.js'
import { PubSubBroadcastEngine, withTimeout } from './pub-sub-engine.js'
import { type ReconnectBackoff, reconnectDelay } from './reconnect-backoff.js'

export interface PostgresBroadcastEngineOptions {
  /** Default: `DATABASE_URL`. Ignored when `pool` is given. */
  connectionString?: string
  /**
   * Connect like this pool of the app does (its `options` are copied). The engine never takes a
   * connection from it: it keeps its own two, one to LISTEN and one to NOTIFY.
   */
  pool?: pg.Pool
  /**
   * `application_name` of the engine's connections, suffixed `:listen` and `:notify` (default
   * `sync-patterns`), to find them in `pg_stat_activity`.
   */
  applicationName?: string
  /** Prefix of Postgres channel names (default `sync:`); the same on every instance. */
  prefix?: string
  /** Longest a publish may wait for Postgres before it counts as dropped (ms, default 2000). */
  publishTimeoutMs?: number
  /** Publishes waiting for Postgres at once; beyond this a publish is dropped at once (default 10 000). */
  maxPendingPublishes?: number
  /** How long `start()` waits for the connections before it fails (ms, default 5000). */
  connectTimeoutMs?: number
  /** Reconnect delays (default 100 ms doubling up to 5 s, with jitter). */
  backoff?: ReconnectBackoff
  /** Distinct channels remembered while publishes are dropped before asking for a full resync. */
  maxDroppedChannels?: number
  logger?: Logger
}

type Role = 'listen' | 'notify'

/** Most publishes sent in one statement (two parameters each). */
const MAX_NOTIFY_BATCH = 100

interface QueuedNotify {
  name: string
  frame: string
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * Fan-out through Postgres LISTEN/NOTIFY: one `pg_notify` per broadcast; each instance LISTENs,
 * on one dedicated connection, only to the channels that have local subscribers.
 *
 * The transport only: dropped publishes, resync notices, outage logs and resync after a reconnect
 * are PubSubBroadcastEngine's. Publishes go through one dedicated connection, in order, so
 * broadcasts of one instance on a channel arrive everywhere in the order they were published;
 * those that queue up while one is in flight leave together in one statement. Both connections
 * reconnect with backoff, forever; the LISTEN one re-LISTENs. A publish never waits on an outage:
 * with the NOTIFY connection down, or `maxPendingPublishes` waiting, it fails at once; a slow one
 * after `publishTimeoutMs`. A frame of 8000 bytes or more is refused with a RangeError.
 */
export class PostgresBroadcastEngine extends PubSubBroadcastEngine {
  private readonly options: PostgresBroadcastEngineOptions
  private readonly clientConfig: pg.ClientConfig
  private readonly connections: Record<Role, pg.Client | null> = { listen: null, notify: null }
  private readonly timers = new Set<NodeJS.Timeout>()
  private Client: typeof pg.Client | null = null
  private pendingPublishes = 0
  private readonly queue: QueuedNotify[] = []
  private draining = false

  constructor(options: PostgresBroadcastEngineOptions = {}) {
    const prefix = options.prefix ?? DEFAULT_POSTGRES_PREFIX
    assertPostgresPrefix(prefix)
    let clientConfig: pg.ClientConfig
    if (options.pool) clientConfig = { ...options.pool.options }
    else {
      const connectionString = options.connectionString ?? process.env.DATABASE_URL
      if (!connectionString) {
        throw new TypeError('PostgresBroadcastEngine needs a connectionString, a pool or DATABASE_URL')
      }
      clientConfig = { connectionString }
    }
    super({
      name: 'PostgresBroadcastEngine',
      prefix,
      controlChannel: postgresControlChannel(prefix),
      publisherName: 'Postgres broadcast NOTIFY connection',
      listenerName: 'Postgres broadcast LISTEN connection',
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      publishTimeoutMs: options.publishTimeoutMs ?? 2000,
      maxControlMessageBytes: POSTGRES_MAX_NOTIFY_PAYLOAD_BYTES,
      maxDroppedChannels: options.maxDroppedChannels,
      logger: options.logger,
    })
    this.options = options
    this.clientConfig = clientConfig
  }

  /**
   * The channels the LISTEN connection listens to, as Postgres reports them
   * (`pg_listening_channels()`): the control channel plus one per channel with local subscribers.
   * `[]` while the connection is down.
   */
  async postgresListeningChannels(): Promise<string[]> {
    const listener = this.connections.listen
    if (!listener) return []
    const { rows } = await listener.query<{ channel: string }>('SELECT pg_listening_channels() AS channel')
    return rows.map((row) => row.channel).sort()
  }

  protected transportName(channel: string): string {
    return postgresChannelName(channel, this.prefix)
  }

  protected override checkFrame(channel: string, frame: string): void {
    assertNotifyPayload(channel, frame)
  }

  protected async connect(): Promise<void> {
    const { default: pg } = await import('pg')
    this.Client = pg.Client
    await Promise.all([this.open('listen'), this.open('notify')])
  }

  protected connectFailure(error: unknown): Error {
    return new Error(`PostgresBroadcastEngine could not connect to Postgres: ${describeError(error)}`)
  }

  /** Queues a `pg_notify`; settles when the statement carrying it has. */
  protected send(name: string, frame: string): Promise<void> {
    if (!this.connections.notify) return Promise.reject(new Error('not connected'))
    if (this.pendingPublishes >= (this.options.maxPendingPublishes ?? 10_000)) {
      return Promise.reject(new Error('too many publishes waiting for Postgres'))
    }
    this.pendingPublishes++
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ name, frame, resolve, reject })
      if (!this.draining) void this.drain()
    })
  }

  /** A resync notice: its own statement, outside the publish queue and its limit. */
  protected override async sendControl(message: string): Promise<void> {
    const notifier = this.connections.notify
    if (!notifier) throw new Error('not connected')
    await notifier.query('SELECT pg_notify($1, $2)', [this.controlChannel, message])
  }

  protected listen(name: string): Promise<void> {
    return this.listenQuery(`LISTEN ${quoteIdentifier(name)}`)
  }

  protected unlisten(name: string): Promise<void> {
    return this.listenQuery(`UNLISTEN ${quoteIdentifier(name)}`)
  }

  protected async disconnect(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    const open = [this.connections.listen, this.connections.notify]
    this.connections.listen = null
    this.connections.notify = null
    await Promise.all(open.map((client) => client?.end().catch(() => {})))
  }

  /**
   * Sends queued publishes in order. Whatever queued up while a statement was in flight goes out
   * in the next one (`SELECT pg_notify(..), pg_notify(..)`): one round trip and one commit for
   * the batch, so Postgres hands the listeners the whole batch at once and each instance writes
   * it to a socket in one go. A lone publish is sent at once, unbatched. As with any NOTIFY in one
   * transaction, identical frames on one channel within a batch arrive once: the same signal twice.
   */
  private async drain(): Promise<void> {
    this.draining = true
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_NOTIFY_BATCH)
      const notifier = this.connections.notify
      try {
        if (!notifier) throw new Error('not connected')
        const text = `SELECT ${batch.map((_, i) => `pg_notify($${2 * i + 1}, $${2 * i + 2})`).join(', ')}`
        await withTimeout(
          notifier.query(
            text,
            batch.flatMap((p) => [p.name, p.frame]),
          ),
          this.publishTimeoutMs,
          `no answer from Postgres within ${this.publishTimeoutMs} ms`,
        )
        for (const publish of batch) publish.resolve()
      } catch (error) {
        for (const publish of batch) publish.reject(error)
      } finally {
        this.pendingPublishes -= batch.length
      }
    }
    this.draining = false
  }

  /** Runs LISTEN/UNLISTEN on the current connection; a lost connection re-LISTENs on reconnect. */
  private async listenQuery(statement: string): Promise<void> {
    const listener = this.connections.listen
    if (listener) await listener.query(statement)
  }

  private async open(role: Role): Promise<void> {
    if (!this.Client) throw new Error('PostgresBroadcastEngine: pg is not loaded')
    const client = new this.Client({
      ...this.clientConfig,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
      keepAlive: true,
      application_name: `${this.options.applicationName ?? 'sync-patterns'}:${role}`,
    })
    client.on('error', (error) => this.onLost(role, client, error))
    client.on('end', () => this.onLost(role, client, 'connection ended'))
    if (role === 'listen') {
      client.on('notification', (message) => this.received(message.channel, message.payload ?? ''))
    }
    try {
      await client.connect()
      if (role === 'notify') {
        this.connections.notify = client
        return
      }
      // From here addChannel LISTENs on this client too (queued after the batch below), so a
      // channel added meanwhile is not missed; LISTEN twice is harmless.
      this.connections.listen = client
      const names = this.listenNames()
      await client.query(names.map((name) => `LISTEN ${quoteIdentifier(name)}`).join('; '))
    } catch (error) {
      if (this.connections[role] === client) this.connections[role] = null
      client.removeAllListeners('end')
      await client.end().catch(() => {})
      throw error
    }
  }

  private failed(role: Role, reason: unknown): void {
    if (role === 'listen') this.listenerFailed(reason)
    else this.publisherFailed(reason)
  }

  private onLost(role: Role, client: pg.Client, reason: unknown): void {
    if (this.closed || client !== this.connections[role]) return
    this.connections[role] = null
    this.failed(role, reason)
    client.end().catch(() => {})
    this.scheduleReconnect(role, 1)
  }

  private scheduleReconnect(role: Role, attempt: number): void {
    if (this.closed) return
    const timer = setTimeout(
      async () => {
        this.timers.delete(timer)
        try {
          await this.open(role)
        } catch (error) {
          this.failed(role, error)
          this.scheduleReconnect(role, attempt + 1)
          return
        }
        if (this.closed) return
        if (role === 'listen') this.listenerRecovered()
        else this.publisherRecovered()
      },
      reconnectDelay(attempt, this.options.backoff),
    )
    this.timers.add(timer)
  }
}
