// Types only: pg is an optional peer, loaded by start() so the broadcast entry point works without it.
import type pg from 'pg'
import { channelsToResync, DroppedBroadcasts, encodeResyncNotices } from './dropped-broadcasts.js'
import type { BroadcastEngine } from './engine.js'
import { type EngineLogger, OutageLog } from './engine-logger.js'
import {
  assertNotifyPayload,
  assertPostgresPrefix,
  DEFAULT_POSTGRES_PREFIX,
  notifyInTransaction,
  POSTGRES_MAX_NOTIFY_PAYLOAD_BYTES,
  postgresChannelName,
  postgresControlChannel,
  quoteIdentifier,
  type SqlExecutor,
} from './postgres-channel.js'
import { type ReconnectBackoff, reconnectDelay } from './reconnect-backoff.js'

export interface PostgresBroadcastEngineOptions {
  /** Default: `DATABASE_URL`. Ignored when `pool` is given. */
  connectionString?: string
  /**
   * The app's pool, used for NOTIFY. The LISTEN connection is a separate client built from the
   * pool's options (it never takes a pool slot). The app keeps owning the pool (and its 'error'
   * listener); `close()` does not end it.
   */
  pool?: pg.Pool
  /**
   * `application_name` of the engine's connections, suffixed `:listen` and `:notify` (default
   * `sync-patterns`), to find them in `pg_stat_activity`. The app's own pool keeps its own name.
   */
  applicationName?: string
  /** Prefix of Postgres channel names (default `sync:`); the same on every instance. */
  prefix?: string
  /** Longest a publish may wait for Postgres before it counts as dropped (ms, default 2000). */
  publishTimeoutMs?: number
  /** How long `start()` waits for the LISTEN connection before it fails (ms, default 5000). */
  connectTimeoutMs?: number
  /** Reconnect delays of the LISTEN connection (default 100 ms doubling up to 5 s, with jitter). */
  backoff?: ReconnectBackoff
  /** Distinct channels remembered while publishes are dropped before asking for a full resync. */
  maxDroppedChannels?: number
  logger?: EngineLogger
}

type Deliver = (channel: string, frame: string) => void
type Resync = (channels: string[]) => void

/**
 * Fan-out through Postgres LISTEN/NOTIFY: one `pg_notify` per broadcast; each instance LISTENs,
 * on one dedicated connection, only to the channels that have local subscribers.
 *
 * NOTIFY is transactional: `notifyInTransaction(tx, channel, frame)` issues the broadcast on a
 * transaction's connection, and it is delivered iff that transaction commits.
 *
 * Faults: the LISTEN connection reconnects with backoff, forever, re-LISTENs, then resyncs every
 * local channel. A publish never waits longer than `publishTimeoutMs`: during an outage it is
 * dropped, logged once, and announced for resync once publishing works again (see
 * DroppedBroadcasts). A frame of 8000 bytes or more is refused with a RangeError.
 */
export class PostgresBroadcastEngine implements BroadcastEngine {
  readonly prefix: string
  readonly controlChannel: string
  private readonly options: PostgresBroadcastEngineOptions
  private readonly logger: EngineLogger
  private pool: pg.Pool | null
  private readonly ownsPool: boolean
  private Client: typeof pg.Client | null = null
  /** Postgres channel name → broadcast channel, for the channels with local subscribers. */
  private readonly channels = new Map<string, string>()
  private readonly dropped: DroppedBroadcasts
  private readonly listenConfig: pg.ClientConfig
  private readonly publishLog: OutageLog
  private readonly listenLog: OutageLog
  private listener: pg.Client | null = null
  private reconnectTimer: NodeJS.Timeout | null = null
  private deliver: Deliver = () => {}
  private resync: Resync = () => {}
  private started = false
  private closed = false

  constructor(options: PostgresBroadcastEngineOptions = {}) {
    const prefix = options.prefix ?? DEFAULT_POSTGRES_PREFIX
    assertPostgresPrefix(prefix)
    this.options = options
    this.prefix = prefix
    this.controlChannel = postgresControlChannel(prefix)
    this.logger = options.logger ?? console
    this.dropped = new DroppedBroadcasts(options.maxDroppedChannels)
    this.publishLog = new OutageLog(this.logger, 'Postgres broadcast NOTIFY')
    this.listenLog = new OutageLog(this.logger, 'Postgres broadcast LISTEN connection')
    if (options.pool) {
      this.pool = options.pool
      this.ownsPool = false
      this.listenConfig = { ...options.pool.options }
    } else {
      const connectionString = options.connectionString ?? process.env.DATABASE_URL
      if (!connectionString) {
        throw new TypeError('PostgresBroadcastEngine needs a connectionString, a pool or DATABASE_URL')
      }
      this.pool = null // created by start()
      this.ownsPool = true
      this.listenConfig = { connectionString }
    }
  }

  /** Broadcast channels this instance listens to: those with local subscribers. */
  get listening(): ReadonlySet<string> {
    return new Set(this.channels.values())
  }

  /**
   * The channels the LISTEN connection listens to, as Postgres reports them
   * (`pg_listening_channels()`): the control channel plus one per channel with local subscribers.
   * `[]` while the connection is down.
   */
  async postgresListeningChannels(): Promise<string[]> {
    const listener = this.listener
    if (!listener) return []
    const { rows } = await listener.query<{ channel: string }>('SELECT pg_listening_channels() AS channel')
    return rows.map((row) => row.channel).sort()
  }

  async start(deliver: Deliver, resync: Resync): Promise<void> {
    if (this.started) throw new Error('PostgresBroadcastEngine.start() was already called')
    this.started = true
    this.deliver = deliver
    this.resync = resync
    try {
      const { default: pg } = await import('pg')
      this.Client = pg.Client
      if (!this.pool) {
        this.pool = new pg.Pool({
          ...this.listenConfig,
          max: 4,
          connectionTimeoutMillis: 2000,
          application_name: `${this.options.applicationName ?? 'sync-patterns'}:notify`,
        })
        // An idle pooled connection was lost; the pool replaces it. Without a listener, pg would
        // rethrow the error and crash the process.
        this.pool.on('error', () => {})
      }
      await this.connectListener()
    } catch (error) {
      await this.close()
      throw new Error(`PostgresBroadcastEngine: could not LISTEN: ${describe(error)}`)
    }
  }

  /** One `pg_notify` of the encoded frame. Resolves even when Postgres is down (dropped). */
  async publish(channel: string, frame: string): Promise<void> {
    if (!this.started) throw new Error('PostgresBroadcastEngine: call start() before publish()')
    if (this.closed) throw new Error('PostgresBroadcastEngine: publish() after close()')
    assertNotifyPayload(channel, frame)
    const pool = this.requirePool()
    try {
      await withTimeout(
        pool.query('SELECT pg_notify($1, $2)', [postgresChannelName(channel, this.prefix), frame]),
        this.options.publishTimeoutMs ?? 2000,
      )
      this.publishLog.recovered()
      if (!this.dropped.isEmpty) void this.flushDropped()
    } catch (error) {
      this.publishLog.failed(error)
      this.dropped.record(channel)
    }
  }

  /**
   * Issues the broadcast on the transaction's own connection so it is delivered iff the
   * transaction commits (same as the module function, with this engine's prefix).
   */
  notifyInTransaction(tx: SqlExecutor, channel: string, frame: string): Promise<void> {
    return notifyInTransaction(tx, channel, frame, this.prefix)
  }

  async addChannel(channel: string): Promise<void> {
    const name = postgresChannelName(channel, this.prefix)
    this.channels.set(name, channel)
    await this.run(`LISTEN ${quoteIdentifier(name)}`)
  }

  async removeChannel(channel: string): Promise<void> {
    const name = postgresChannelName(channel, this.prefix)
    if (!this.channels.delete(name)) return
    await this.run(`UNLISTEN ${quoteIdentifier(name)}`)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.deliver = () => {}
    this.resync = () => {}
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    const listener = this.listener
    this.listener = null
    await listener?.end().catch(() => {})
    if (this.ownsPool) await this.pool?.end().catch(() => {})
  }

  /** Runs LISTEN/UNLISTEN on the current connection; a lost connection re-LISTENs on reconnect. */
  private async run(statement: string): Promise<void> {
    const listener = this.listener
    if (!listener) return
    try {
      await listener.query(statement)
    } catch (error) {
      this.listenLog.failed(error)
    }
  }

  private async connectListener(): Promise<void> {
    if (!this.Client) throw new Error('PostgresBroadcastEngine: pg is not loaded')
    const client = new this.Client({
      ...this.listenConfig,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
      keepAlive: true,
      application_name: `${this.options.applicationName ?? 'sync-patterns'}:listen`,
    })
    client.on('error', (error) => this.onListenerLost(client, error))
    client.on('end', () => this.onListenerLost(client, 'connection ended'))
    client.on('notification', (message) => this.onNotification(message))
    try {
      await client.connect()
      // From here addChannel LISTENs on this client too (queued after the batch below), so a
      // channel added meanwhile is not missed; LISTEN twice is harmless.
      this.listener = client
      const names = [this.controlChannel, ...this.channels.keys()]
      await client.query(names.map((name) => `LISTEN ${quoteIdentifier(name)}`).join('; '))
    } catch (error) {
      if (this.listener === client) this.listener = null
      client.removeAllListeners('end')
      await client.end().catch(() => {})
      throw error
    }
  }

  private onListenerLost(client: pg.Client, reason: unknown): void {
    if (this.closed || client !== this.listener) return
    this.listener = null
    this.listenLog.failed(reason)
    client.end().catch(() => {})
    this.scheduleReconnect(1)
  }

  private scheduleReconnect(attempt: number): void {
    if (this.closed) return
    this.reconnectTimer = setTimeout(
      async () => {
        this.reconnectTimer = null
        try {
          await this.connectListener()
        } catch (error) {
          this.listener = null
          this.listenLog.failed(error)
          this.scheduleReconnect(attempt + 1)
          return
        }
        if (this.closed) return
        this.listenLog.recovered(`listening to ${this.channels.size} channel(s) again`)
        const affected = [...this.channels.values()]
        if (affected.length > 0) this.resync(affected)
        if (!this.dropped.isEmpty) void this.flushDropped()
      },
      reconnectDelay(attempt, this.options.backoff),
    )
  }

  private onNotification(message: pg.Notification): void {
    const payload = message.payload ?? ''
    if (message.channel === this.controlChannel) {
      const channels = channelsToResync(payload, this.channels.values())
      if (channels.length > 0) this.resync(channels)
      return
    }
    const channel = this.channels.get(message.channel)
    if (channel !== undefined) this.deliver(channel, payload)
  }

  private async flushDropped(): Promise<void> {
    const notice = this.dropped.take()
    if (!notice) return
    try {
      for (const message of encodeResyncNotices(notice, POSTGRES_MAX_NOTIFY_PAYLOAD_BYTES)) {
        await this.requirePool().query('SELECT pg_notify($1, $2)', [this.controlChannel, message])
      }
    } catch (error) {
      this.dropped.restore(notice)
      this.publishLog.failed(error)
    }
  }
  private requirePool(): pg.Pool {
    if (!this.pool) throw new Error('PostgresBroadcastEngine: call start() first')
    return this.pool
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Postgres within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
