import type { Logger } from '@pattern-stack/sync-protocol'
import { type BroadcastDispatch, type BroadcastTarget, publishOptions } from './broadcast-dispatch.js'
import {
  appendToBroadcastLog,
  type LoggedBroadcast,
  markPublished,
  pruneBroadcastLog,
  unpublishedBroadcasts,
} from './broadcast-log.js'
import type { AnyPgDatabase } from './system-event.js'

export interface OutboxDispatchOptions {
  /** The database the log lives in (the app's; marking a row published runs outside the transaction). */
  db: AnyPgDatabase
  /** Told about a publish or a mark that failed after commit; default `console.error`. */
  onError?: (error: unknown, message: LoggedBroadcast) => void
}

/**
 * Commit-then-broadcast through the broadcast log (an outbox): the unit of work writes each queued
 * broadcast into `broadcast_log` as its transaction's last statement, which gives it its position;
 * after commit this instance publishes it at once with that position (the fast path, no added
 * latency) and marks it published. If the process dies between commit and publish, the row stays
 * unpublished and a `BroadcastOutboxRelay` on any instance still alive publishes it.
 */
export function outboxDispatch(target: BroadcastTarget, options: OutboxDispatchOptions): BroadcastDispatch {
  const { db } = options
  const onError =
    options.onError ??
    ((error: unknown, message: LoggedBroadcast) =>
      console.error(`broadcast ${message.channel}/${message.event} #${message.position} failed:`, error))
  return {
    beforeCommit: (tx, messages) => appendToBroadcastLog(tx, messages),
    async afterCommit(messages) {
      const published: LoggedBroadcast[] = []
      for (const message of messages as LoggedBroadcast[]) {
        try {
          await target.broadcast(message.channel, message.event, message.payload, publishOptions(message))
          published.push(message)
        } catch (error) {
          onError(error, message) // left unpublished: the relay tries again
        }
      }
      // Not awaited: the request's answer does not wait for the bookkeeping. A mark that never
      // lands only means the relay publishes the row once more (a harmless duplicate).
      markPublished(db, published).catch((error: unknown) => {
        if (published[0]) onError(error, published[0])
      })
    },
  }
}

export interface BroadcastOutboxRelayOptions {
  db: AnyPgDatabase
  /** Where orphaned broadcasts are published: the app's `WebSocketBroadcastBackend`. */
  target: BroadcastTarget
  /**
   * A row unpublished this long after its commit counts as orphaned (its instance died, or its
   * publish failed) and is published by the relay. Longer than a normal publish takes, so the relay
   * seldom duplicates one still on its way. Default 2000 ms.
   */
  graceMs?: number
  /** How often the relay looks (ms, default 1000). An orphan goes out within `graceMs + intervalMs` (+ the publish). */
  intervalMs?: number
  /** Most rows published per look (default 500; a full batch looks again at once). */
  batchSize?: number
  /** Published rows are deleted after this long (ms, default 24 h); `Infinity` keeps them. */
  retentionMs?: number
  logger?: Logger
}

/**
 * Publishes what no instance published: every `intervalMs` it takes the rows of `broadcast_log`
 * that are still unpublished `graceMs` after their commit, oldest first, and publishes them with
 * their positions. Each batch is claimed with `FOR UPDATE SKIP LOCKED` inside a transaction that
 * stays open until the batch went out, so relays on several instances never publish the same batch
 * twice, and one killed mid-batch leaves it to the next. Run one on every instance: whichever is
 * alive publishes. It also deletes published rows older than `retentionMs`.
 */
export class BroadcastOutboxRelay {
  readonly graceMs: number
  readonly intervalMs: number
  private readonly db: AnyPgDatabase
  private readonly target: BroadcastTarget
  private readonly batchSize: number
  private readonly retentionMs: number
  private readonly logger: Logger
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | null = null
  private stopped = false
  private lastPruneAt = 0
  private failing = false

  constructor(options: BroadcastOutboxRelayOptions) {
    this.db = options.db
    this.target = options.target
    this.graceMs = positive('graceMs', options.graceMs, 2000, true)
    this.intervalMs = positive('intervalMs', options.intervalMs, 1000)
    this.batchSize = positive('batchSize', options.batchSize, 500)
    this.retentionMs = positive('retentionMs', options.retentionMs, 24 * 3600_000)
    this.logger = options.logger ?? console
  }

  /** Looks at once (a restart publishes what the previous process left), then every `intervalMs`. */
  start(): this {
    if (this.timer === undefined && !this.stopped) this.schedule(0)
    return this
  }

  /** Stops looking; resolves once a look in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running
  }

  /** One look: publishes every orphaned row (batch after batch). Returns how many it published. */
  async publishOrphans(): Promise<number> {
    let total = 0
    for (;;) {
      const published = await this.db.transaction(async (tx) => {
        const batch = await unpublishedBroadcasts(tx, {
          olderThanMs: this.graceMs,
          limit: this.batchSize,
          lock: true,
        })
        for (const message of batch) {
          await this.target.broadcast(
            message.channel,
            message.event,
            message.payload,
            publishOptions(message),
          )
        }
        await markPublished(tx, batch)
        return batch.length
      })
      total += published
      if (published < this.batchSize || this.stopped) return total
    }
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.running = this.look().finally(() => {
        this.running = null
        if (!this.stopped) this.schedule(this.intervalMs)
      })
    }, delay)
    this.timer.unref()
  }

  private async look(): Promise<void> {
    try {
      const published = await this.publishOrphans()
      if (published > 0) this.logger.warn?.(`outbox relay published ${published} orphaned broadcast(s)`)
      if (Number.isFinite(this.retentionMs) && Date.now() - this.lastPruneAt > 60_000) {
        this.lastPruneAt = Date.now()
        await pruneBroadcastLog(this.db, this.retentionMs)
      }
      if (this.failing) this.logger.info?.('outbox relay works again')
      this.failing = false
    } catch (error) {
      // The database or the engine is down; the next look tries again. Logged once per outage.
      if (!this.failing) this.logger.error?.('outbox relay failed; retrying', error)
      this.failing = true
    }
  }
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!allowZero && value === 0)) {
    throw new TypeError(
      `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`,
    )
  }
  if (!Number.isFinite(value) && name !== 'retentionMs') {
    throw new TypeError(`${name} must be finite, got ${String(value)}`)
  }
  return value
}
