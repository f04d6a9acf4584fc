import type { Logger } from '@pattern-stack/sync-protocol'
import { channelsToResync, DroppedBroadcasts, encodeResyncNotices } from './dropped-broadcasts.js'
import type { BroadcastEngine, DeliverFrame, RequestResync } from './engine.js'
import { OutageLog } from './engine-logger.js'

export interface PubSubEngineSettings {
  /** Class name, for errors (`RedisBroadcastEngine: publish() after close()`). */
  name: string
  /** Prefix of every transport channel name, already validated by the transport. */
  prefix: string
  /** Transport channel of resync notices; must not be the name of any broadcast channel. */
  controlChannel: string
  /** How the outage log names the publishing and the listening connection. */
  publisherName: string
  listenerName: string
  /** How long `start()` waits for `connect()` (ms). */
  connectTimeoutMs: number
  /** Longest a publish may wait before it counts as dropped (ms); the transport applies it. */
  publishTimeoutMs: number
  /** Largest control message the transport carries (bytes; default unlimited). */
  maxControlMessageBytes?: number
  /** Distinct channels remembered while publishes are dropped before asking for a full resync. */
  maxDroppedChannels?: number | undefined
  logger?: Logger | undefined
}

type State = 'new' | 'starting' | 'started' | 'closed'

/**
 * What every pub/sub fan-out engine does, whatever carries its messages (Socket.IO's
 * `ClusterAdapter` idea): a subclass is a transport only. It says how to connect, publish a message
 * on a named channel, listen and stop listening, and reports what happens to its connections
 * (`received`, `publisherFailed`/`publisherRecovered`, `listenerFailed`/`listenerRecovered`).
 *
 * This base owns the rest, identical for every transport:
 * - the local channels (transport name → broadcast channel) and routing of received messages;
 * - publishing that never waits on an outage: a failed publish is dropped, not thrown, and recorded
 *   (DroppedBroadcasts); once publishing works again one notice on the control channel names the
 *   dropped channels, and every instance resyncs those it has subscribers for;
 * - resync of every local channel when the listener is back after an outage;
 * - outage logging, once per outage and connection;
 * - start (once, bounded by `connectTimeoutMs`, closing everything on failure) and close.
 */
export abstract class PubSubBroadcastEngine implements BroadcastEngine {
  readonly prefix: string
  /** Transport channel of resync notices (`<prefix>#resync`); every instance listens to it. */
  readonly controlChannel: string
  protected readonly logger: Logger
  protected readonly publishTimeoutMs: number
  private readonly settings: PubSubEngineSettings
  /** Transport channel name → broadcast channel, for the channels with local subscribers. */
  private readonly local = new Map<string, string>()
  private readonly dropped: DroppedBroadcasts
  private readonly publishLog: OutageLog
  private readonly listenLog: OutageLog
  private deliverFrame: DeliverFrame = () => {}
  private requestResync: RequestResync = () => {}
  private state: State = 'new'

  protected constructor(settings: PubSubEngineSettings) {
    this.settings = settings
    this.prefix = settings.prefix
    this.controlChannel = settings.controlChannel
    this.logger = settings.logger ?? console
    this.publishTimeoutMs = settings.publishTimeoutMs
    this.dropped = new DroppedBroadcasts(settings.maxDroppedChannels)
    this.publishLog = new OutageLog(this.logger, settings.publisherName)
    this.listenLog = new OutageLog(this.logger, settings.listenerName)
  }

  // ── the transport's part ─────────────────────────────────────────────────────────────────────

  /** The transport channel a broadcast channel travels on (e.g. `prefix + channel`). */
  protected abstract transportName(channel: string): string
  /**
   * Opens the connections. Resolves once publishing works and the listener listens to
   * `listenNames()`; rejects otherwise (the engine then closes and `start()` rejects).
   */
  protected abstract connect(): Promise<void>
  /** The error `start()` rejects with when `connect()` failed with `error`. */
  protected abstract connectFailure(error: unknown): Error
  /** Publishes `message` on transport channel `name`; rejects when it could not (it is dropped). */
  protected abstract send(name: string, message: string): Promise<void>
  /**
   * Starts listening to `name`. Resolves without doing anything while the listener is down (its
   * reconnect listens to `listenNames()`); rejects when the listener failed meanwhile.
   */
  protected abstract listen(name: string): Promise<void>
  /** Stops listening to `name`; like `listen` while the listener is down. */
  protected abstract unlisten(name: string): Promise<void>
  /** Releases every connection and timer. */
  protected abstract disconnect(): Promise<void>
  /** Throws for a frame the transport cannot carry (e.g. too big); the caller sees the error. */
  protected checkFrame(_channel: string, _frame: string): void {}
  /** Publishes a resync notice; default `send(controlChannel, message)`. */
  protected sendControl(message: string): Promise<void> {
    return this.send(this.controlChannel, message)
  }

  // ── what the transport reports ───────────────────────────────────────────────────────────────

  /** A message arrived on transport channel `name`. */
  protected received(name: string, message: string): void {
    if (name === this.controlChannel) {
      const channels = channelsToResync(message, this.local.values())
      if (channels.length > 0) this.requestResync(channels)
      return
    }
    // A message can still arrive between our unlisten and the server processing it.
    const channel = this.local.get(name)
    if (channel !== undefined) this.deliverFrame(channel, message)
  }

  protected publisherFailed(reason: unknown): void {
    this.publishLog.failed(reason)
  }

  /** Publishing works (again): logs the recovery and announces the dropped channels. */
  protected publisherRecovered(): void {
    this.publishLog.recovered()
    if (!this.dropped.isEmpty) void this.flushDropped()
  }

  protected listenerFailed(reason: unknown): void {
    this.listenLog.failed(reason)
  }

  /**
   * The listener reconnected and listens to `listenNames()` again: its subscribers may have missed
   * events meanwhile, so every local channel (including ones added while it reconnected) resyncs.
   */
  protected listenerRecovered(): void {
    if (this.closed) return
    this.listenLog.recovered(`listening to ${this.local.size} channel(s) again`)
    const affected = [...this.local.values()]
    if (affected.length > 0) this.requestResync(affected)
    if (!this.dropped.isEmpty) void this.flushDropped()
  }

  /** The control channel and the transport name of every local channel. */
  protected listenNames(): string[] {
    return [this.controlChannel, ...this.local.keys()]
  }

  protected get closed(): boolean {
    return this.state === 'closed'
  }

  // ── BroadcastEngine ──────────────────────────────────────────────────────────────────────────

  /** Broadcast channels this instance listens to: those with local subscribers. */
  get listening(): ReadonlySet<string> {
    return new Set(this.local.values())
  }

  async start(deliver: DeliverFrame, resync: RequestResync): Promise<void> {
    if (this.state !== 'new') throw new Error(`${this.settings.name}.start() was already called`)
    this.state = 'starting'
    this.deliverFrame = deliver
    this.requestResync = resync
    try {
      await withTimeout(
        this.connect(),
        this.settings.connectTimeoutMs,
        `no connection within ${this.settings.connectTimeoutMs} ms`,
      )
    } catch (error) {
      await this.close()
      throw this.connectFailure(error)
    }
    if (this.state === 'starting') this.state = 'started'
  }

  /** Publishes the encoded frame once. Resolves even when the transport is down (then it is dropped). */
  async publish(channel: string, frame: string): Promise<void> {
    if (this.state === 'new') throw new Error(`${this.settings.name}: call start() before publish()`)
    if (this.state === 'closed') throw new Error(`${this.settings.name}: publish() after close()`)
    this.checkFrame(channel, frame)
    try {
      await this.send(this.transportName(channel), frame)
    } catch (error) {
      this.publisherFailed(error)
      this.dropped.record(channel)
      return
    }
    this.publisherRecovered()
  }

  async addChannel(channel: string): Promise<void> {
    const name = this.transportName(channel)
    this.local.set(name, channel)
    try {
      await this.listen(name)
    } catch (error) {
      // The listener dropped meanwhile; its reconnect listens to this channel and resyncs it.
      this.listenerFailed(error)
    }
  }

  async removeChannel(channel: string): Promise<void> {
    const name = this.transportName(channel)
    if (!this.local.delete(name)) return
    try {
      await this.unlisten(name)
    } catch (error) {
      this.listenerFailed(error) // a new listener starts without it anyway
    }
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.deliverFrame = () => {}
    this.requestResync = () => {}
    await this.disconnect()
  }

  /** Announces the channels whose broadcasts were dropped (see DroppedBroadcasts). */
  private async flushDropped(): Promise<void> {
    const notice = this.dropped.take()
    if (!notice) return
    try {
      for (const message of encodeResyncNotices(notice, this.settings.maxControlMessageBytes)) {
        await this.sendControl(message)
      }
    } catch (error) {
      this.dropped.restore(notice)
      this.publisherFailed(error)
    }
  }
}

/** `promise`, or a rejection with `message` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
