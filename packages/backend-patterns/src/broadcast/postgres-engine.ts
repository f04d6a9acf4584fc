// Types only: pg is an optional peer, loaded by start() so the broadcast entry point works without it.
import type pg from 'pg'
import { channelsToResync, DroppedBroadcasts, encodeResyncNotices } from './dropped-broadcasts.js'
import type { BroadcastEngine, DeliverFrame, RequestResync } from './engine.js'
import { describeError, type EngineLogger, OutageLog } from './engine-logger.js'
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
  logger?: EngineLogger
}

type Role = 'listen' | 'notify'

/** Most publishes sent in one statement (two parameters each). */
const MAX_NOTIFY_BATCH = 100

/**
 * Fan-out through Postgres LISTEN/NOTIFY: one `pg_notify` per broadcast; each instance LISTENs,
 * on one dedicated connection, only to the channels that have local subscribers.
 *
 * Publishes go through one dedicated connection, in order, so broadcasts of one instance on a
 * channel arrive everywhere in the order they were published; those that queue up while one is in
 * flight leave together in one statement.
 *
 * NOTIFY is transactional: `notifyInTransaction(tx, channel, frame)` issues the broadcast on a
 * transaction's connection, and it is delivered iff that transaction commits.
 *
 * Faults: both connections reconnect with backoff, forever; the LISTEN one re-LISTENs, then
 * resyncs every local channel. A publish never waits on an outage: with the NOTIFY connection
 * down, or `maxPendingPublishes` waiting, it is dropped at once; a slow one counts as dropped
 * after `publishTimeoutMs`. Dropped publishes are logged once per outage and announced for resync
 * once publishing works again (see DroppedBroadcasts). A frame of 8000 bytes or more is refused
 * with a RangeError.
 */
export class PostgresBroadcastEngine implements BroadcastEngine {
  readonly prefix: string
  readonly controlChannel: string
  private readonly options: PostgresBroadcastEngineOptions
  private readonly logger: EngineLogger
  private readonly clientConfig: pg.ClientConfig
  /** Postgres channel name → broadcast channel, for the channels with local subscribers. */
  private readonly channels = new Map<string, string>()
  private readonly dropped: DroppedBroadcasts
  private readonly logs: Record<Role, OutageLog>
  private readonly connections: Record<Role, pg.Client | null> = { listen: null, notify: null }
  private readonly timers = new Set<NodeJS.Timeout>()
  private Client: typeof pg.Client | null = null
  private pendingPublishes = 0
  private readonly queue: Array<{ channel: string; name: string; frame: string; resolve: () => void }> = []
  private draining = false
  private deliver: DeliverFrame = () => {}
  private resync: RequestResync = () => {}
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
    this.logs = {
      listen: new OutageLog(this.logger, 'Postgres broadcast LISTEN connection'),
      notify: new OutageLog(this.logger, 'Postgres broadcast NOTIFY connection'),
    }
    if (options.pool) this.clientConfig = { ...options.pool.options }
    else {
      const connectionString = options.connectionString ?? process.env.DATABASE_URL
      if (!connectionString) {
        throw new TypeError('PostgresBroadcastEngine needs a connectionString, a pool or DATABASE_URL')
      }
      this.clientConfig = { connectionString }
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
    const listener = this.connections.listen
    if (!listener) return []
    const { rows } = await listener.query<{ channel: string }>('SELECT pg_listening_channels() AS channel')
    return rows.map((row) => row.channel).sort()
  }

  async start(deliver: DeliverFrame, resync: RequestResync): Promise<void> {
    if (this.started) throw new Error('PostgresBroadcastEngine.start() was already called')
    this.started = true
    this.deliver = deliver
    this.resync = resync
    try {
      const { default: pg } = await import('pg')
      this.Client = pg.Client
      await Promise.all([this.connect('listen'), this.connect('notify')])
    } catch (error) {
      await this.close()
      throw new Error(`PostgresBroadcastEngine could not connect to Postgres: ${describeError(error)}`)
    }
  }

  /** One `pg_notify` of the encoded frame. Resolves even when Postgres is down (dropped). */
  async publish(channel: string, frame: string): Promise<void> {
    if (!this.started) throw new Error('PostgresBroadcastEngine: call start() before publish()')
    if (this.closed) throw new Error('PostgresBroadcastEngine: publish() after close()')
    assertNotifyPayload(channel, frame)
    const notifier = this.connections.notify
    if (!notifier || this.pendingPublishes >= (this.options.maxPendingPublishes ?? 10_000)) {
      this.logs.notify.failed(notifier ? 'too many publishes waiting for Postgres' : 'not connected')
      this.dropped.record(channel)
      return
    }
    this.pendingPublishes++
    return new Promise<void>((resolve) => {
      this.queue.push({ channel, name: postgresChannelName(channel, this.prefix), frame, resolve })
      if (!this.draining) void this.drain()
    })
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
          this.options.publishTimeoutMs ?? 2000,
        )
        this.logs.notify.recovered()
        if (!this.dropped.isEmpty) void this.flushDropped()
      } catch (error) {
        this.logs.notify.failed(error)
        for (const publish of batch) this.dropped.record(publish.channel)
      } finally {
        this.pendingPublishes -= batch.length
        for (const publish of batch) publish.resolve()
      }
    }
    this.draining = false
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
    await this.listenQuery(`LISTEN ${quoteIdentifier(name)}`)
  }

  async removeChannel(channel: string): Promise<void> {
    const name = postgresChannelName(channel, this.prefix)
    if (!this.channels.delete(name)) return
    await this.listenQuery(`UNLISTEN ${quoteIdentifier(name)}`)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.deliver = () => {}
    this.resync = () => {}
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    const open = [this.connections.listen, this.connections.notify]
    this.connections.listen = null
    this.connections.notify = null
    await Promise.all(open.map((client) => client?.end().catch(() => {})))
  }

  /** Runs LISTEN/UNLISTEN on the current connection; a lost connection re-LISTENs on reconnect. */
  private async listenQuery(statement: string): Promise<void> {
    const listener = this.connections.listen
    if (!listener) return
    try {
      await listener.query(statement)
    } catch (error) {
      this.logs.listen.failed(error)
    }
  }

  private async connect(role: Role): Promise<void> {
    if (!this.Client) throw new Error('PostgresBroadcastEngine: pg is not loaded')
    const client = new this.Client({
      ...this.clientConfig,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 5000,
      keepAlive: true,
      application_name: `${this.options.applicationName ?? 'sync-patterns'}:${role}`,
    })
    client.on('error', (error) => this.onLost(role, client, error))
    client.on('end', () => this.onLost(role, client, 'connection ended'))
    if (role === 'listen') client.on('notification', (message) => this.onNotification(message))
    try {
      await client.connect()
      if (role === 'notify') {
        this.connections.notify = client
        return
      }
      // From here addChannel LISTENs on this client too (queued after the batch below), so a
      // channel added meanwhile is not missed; LISTEN twice is harmless.
      this.connections.listen = client
      const names = [this.controlChannel, ...this.channels.keys()]
      await client.query(names.map((name) => `LISTEN ${quoteIdentifier(name)}`).join('; '))
    } catch (error) {
      if (this.connections[role] === client) this.connections[role] = null
      client.removeAllListeners('end')
      await client.end().catch(() => {})
      throw error
    }
  }

  private onLost(role: Role, client: pg.Client, reason: unknown): void {
    if (this.closed || client !== this.connections[role]) return
    this.connections[role] = null
    this.logs[role].failed(reason)
    client.end().catch(() => {})
    this.scheduleReconnect(role, 1)
  }

  private scheduleReconnect(role: Role, attempt: number): void {
    if (this.closed) return
    const timer = setTimeout(
      async () => {
        this.timers.delete(timer)
        try {
          await this.connect(role)
        } catch (error) {
          this.logs[role].failed(error)
          this.scheduleReconnect(role, attempt + 1)
          return
        }
        if (this.closed) return
        if (role === 'listen') {
          this.logs.listen.recovered(`listening to ${this.channels.size} channel(s) again`)
          const affected = [...this.channels.values()]
          if (affected.length > 0) this.resync(affected)
        } else this.logs.notify.recovered()
        if (!this.dropped.isEmpty) void this.flushDropped()
      },
      reconnectDelay(attempt, this.options.backoff),
    )
    this.timers.add(timer)
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

  /** Announces the channels whose broadcasts were dropped (see DroppedBroadcasts). */
  private async flushDropped(): Promise<void> {
    const notifier = this.connections.notify
    const notice = notifier && this.dropped.take()
    if (!notifier || !notice) return
    try {
      for (const message of encodeResyncNotices(notice, POSTGRES_MAX_NOTIFY_PAYLOAD_BYTES)) {
        await notifier.query('SELECT pg_notify($1, $2)', [this.controlChannel, message])
      }
    } catch (error) {
      this.dropped.restore(notice)
      this.logs.notify.failed(error)
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Postgres within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
