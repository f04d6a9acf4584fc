import type { ChannelRecovery } from '@pattern-stack/sync-protocol'
import { type SQL, sql } from 'drizzle-orm'
import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core'
import type { BroadcastHistory, ChannelPosition } from '../broadcast/history.js'
import type { QueuedBroadcast } from './broadcast-dispatch.js'
import type { AnyPgDatabase } from './system-event.js'

/**
 * The broadcast log: the outbox and the history of every broadcast a unit of work committed.
 *
 * - Outbox: each row is written in the change's own transaction, so a committed change always has
 *   its broadcast on record; `published_at` stays null until it went out, and a relay on any live
 *   instance publishes the rows nobody published (see `BroadcastOutboxRelay`).
 * - History: each row has its `position` in its channel's commit order, 1, 2, 3, … without gaps,
 *   so a client that remembers the last position it saw can ask what changed since
 *   (`drizzleBroadcastHistory`).
 *
 * Commit order: a channel's counter is one row of `broadcast_channels`; the unit of work increments
 * it as the transaction's last statement. The row lock that takes is held until COMMIT, so the next
 * transaction on the channel gets its positions only after this one committed (and is visible):
 * positions are handed out in commit order, and a rollback returns its numbers with it (no gaps).
 * The cost is that commits on one channel queue up for the time of that last statement plus COMMIT.
 */
export const broadcastChannels = pgTable('broadcast_channels', {
  channel: text('channel').primaryKey(),
  /** The channel's latest committed position. */
  position: bigint('position', { mode: 'number' }).notNull(),
  /** Positions up to this one were deleted by retention: the history cannot answer for them. */
  prunedThrough: bigint('pruned_through', { mode: 'number' }).notNull().default(0),
  /**
   * Random, drawn when the channel's counter row is created: a log that starts over (a database
   * reset, the tables recreated) counts from 1 again under a new epoch, so clients remembering the
   * old log's positions see they no longer apply (docs/protocol.md, "History epochs").
   */
  epoch: text('epoch').notNull().default(sql`gen_random_uuid()::text`),
})

export const broadcastLog = pgTable(
  'broadcast_log',
  {
    channel: text('channel').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    event: text('event').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    origin: text('origin'),
    /** Written by the transaction's last statement, so within milliseconds of its commit. */
    committedAt: timestamp('committed_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`clock_timestamp()`),
    publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    primaryKey({ columns: [table.channel, table.position] }),
    index('broadcast_log_unpublished_idx').on(table.committedAt).where(sql`${table.publishedAt} IS NULL`),
  ],
)

/** SQL that creates both tables, for hand-written migrations (idempotent). */
export const BROADCAST_LOG_DDL = `CREATE TABLE IF NOT EXISTS "broadcast_channels" (
  "channel" text PRIMARY KEY NOT NULL,
  "position" bigint NOT NULL,
  "pruned_through" bigint DEFAULT 0 NOT NULL,
  "epoch" text DEFAULT gen_random_uuid()::text NOT NULL
);
CREATE TABLE IF NOT EXISTS "broadcast_log" (
  "channel" text NOT NULL,
  "position" bigint NOT NULL,
  "event" text NOT NULL,
  "payload" jsonb NOT NULL,
  "origin" text,
  "committed_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
  "published_at" timestamp with time zone,
  CONSTRAINT "broadcast_log_channel_position_pk" PRIMARY KEY ("channel", "position")
);
CREATE INDEX IF NOT EXISTS "broadcast_log_unpublished_idx" ON "broadcast_log" ("committed_at") WHERE "published_at" IS NULL;`

/** A broadcast with its place in the log. */
export type LoggedBroadcast = QueuedBroadcast & { position: number }

async function rows<T>(db: AnyPgDatabase, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] }
  return result.rows
}

/**
 * Writes `messages` into the log inside transaction `tx` and returns them with their positions.
 * Call it as the transaction's last statement (the unit of work does): it locks each channel's
 * counter until COMMIT. Channels are locked in name order, so two transactions never deadlock here.
 */
export async function appendToBroadcastLog(
  tx: AnyPgDatabase,
  messages: readonly QueuedBroadcast[],
): Promise<LoggedBroadcast[]> {
  const byChannel = new Map<string, QueuedBroadcast[]>()
  for (const message of messages) {
    const list = byChannel.get(message.channel)
    if (list) list.push(message)
    else byChannel.set(message.channel, [message])
  }
  const positioned = new Map<QueuedBroadcast, number>()
  for (const channel of [...byChannel.keys()].sort()) {
    const list = byChannel.get(channel) as QueuedBroadcast[]
    const [counter] = await rows<{ last: number | string }>(
      tx,
      sql`INSERT INTO broadcast_channels (channel, position) VALUES (${channel}, ${list.length})
          ON CONFLICT (channel) DO UPDATE SET position = broadcast_channels.position + EXCLUDED.position
          RETURNING position::float8 AS last`,
    )
    const last = Number(counter?.last)
    for (const [i, message] of list.entries()) positioned.set(message, last - list.length + 1 + i)
  }
  const logged = messages.map((message) => ({ ...message, position: positioned.get(message) as number }))
  await tx.insert(broadcastLog).values(
    logged.map((m) => ({
      channel: m.channel,
      position: m.position,
      event: m.event,
      payload: m.payload,
      origin: m.origin ?? null,
    })),
  )
  return logged
}

/** Marks logged broadcasts as published, so no relay publishes them again. */
export async function markPublished(
  db: AnyPgDatabase,
  messages: readonly { channel: string; position: number }[],
): Promise<void> {
  if (messages.length === 0) return
  const keys = sql.join(
    messages.map((m) => sql`(${m.channel}::text, ${m.position}::bigint)`),
    sql`, `,
  )
  await db.execute(
    sql`UPDATE broadcast_log SET published_at = clock_timestamp()
        WHERE published_at IS NULL AND (channel, position) IN (${keys})`,
  )
}

/** Broadcasts committed at least `olderThanMs` ago and not yet published, oldest first. */
export async function unpublishedBroadcasts(
  db: AnyPgDatabase,
  options: { olderThanMs: number; limit: number; lock?: boolean },
): Promise<LoggedBroadcast[]> {
  const found = await rows<{
    channel: string
    position: number | string
    event: string
    payload: Record<string, unknown>
    origin: string | null
  }>(
    db,
    sql`SELECT channel, position::float8 AS position, event, payload, origin FROM broadcast_log
        WHERE published_at IS NULL
          AND committed_at <= clock_timestamp() - make_interval(secs => ${options.olderThanMs / 1000})
        ORDER BY committed_at, channel, position
        LIMIT ${options.limit}${options.lock ? sql` FOR UPDATE SKIP LOCKED` : sql``}`,
  )
  return found.map((row) => {
    const message: LoggedBroadcast = {
      channel: row.channel,
      event: row.event,
      payload: row.payload as LoggedBroadcast['payload'],
      position: Number(row.position),
    }
    if (row.origin !== null) message.origin = row.origin
    return message
  })
}

/**
 * Deletes published rows committed more than `retentionMs` ago and remembers, per channel, up to
 * where the history is gone. Returns the number of rows deleted. Unpublished rows are kept.
 */
export async function pruneBroadcastLog(db: AnyPgDatabase, retentionMs: number): Promise<number> {
  const [result] = await rows<{ deleted: number | string }>(
    db,
    sql`WITH gone AS (
          DELETE FROM broadcast_log
          WHERE published_at IS NOT NULL
            AND committed_at < clock_timestamp() - make_interval(secs => ${retentionMs / 1000})
          RETURNING channel, position
        ), latest AS (
          SELECT channel, max(position) AS through, count(*) AS n FROM gone GROUP BY channel
        ), noted AS (
          UPDATE broadcast_channels c SET pruned_through = GREATEST(c.pruned_through, latest.through)
          FROM latest WHERE c.channel = latest.channel
          RETURNING latest.n
        )
        SELECT coalesce(sum(n), 0)::float8 AS deleted FROM noted`,
  )
  return Number(result?.deleted ?? 0)
}

export interface BroadcastHistoryOptions {
  db: AnyPgDatabase
  /** More changed entities than this on a channel: answer "cannot tell" (a full resync is cheaper). Default 1000. */
  maxChangedIds?: number
}

/** The broadcast log as a backend's `BroadcastHistory` (what changed on a channel since a position). */
export function drizzleBroadcastHistory(options: BroadcastHistoryOptions): BroadcastHistory {
  const { db } = options
  const maxChangedIds = options.maxChangedIds ?? 1000
  return {
    async positions(channels) {
      const positions: Record<string, ChannelPosition> = Object.fromEntries(
        channels.map((c) => [c, { position: 0 }]),
      )
      if (channels.length === 0) return positions
      const found = await rows<{ channel: string; position: number | string; epoch: string }>(
        db,
        sql`SELECT channel, position::float8 AS position, epoch FROM broadcast_channels
            WHERE channel IN (${sql.join(
              channels.map((c) => sql`${c}`),
              sql`, `,
            )})`,
      )
      for (const row of found) positions[row.channel] = { position: Number(row.position), epoch: row.epoch }
      return positions
    },

    async changesSince(channel, since): Promise<ChannelRecovery> {
      // The counter first: every position up to it belongs to a transaction that has committed.
      const [counter] = await rows<{ position: number | string; pruned: number | string }>(
        db,
        sql`SELECT position::float8 AS position, pruned_through::float8 AS pruned
            FROM broadcast_channels WHERE channel = ${channel}`,
      )
      const latest = Number(counter?.position ?? 0)
      const pruned = Number(counter?.pruned ?? 0)
      if (since > latest || since < pruned) return { position: latest, changed: null }
      if (since === latest) return { position: latest, changed: [] }
      const changed = await rows<{ id: string | number | null }>(
        db,
        sql`SELECT DISTINCT payload->'entity_id' AS id FROM broadcast_log
            WHERE channel = ${channel} AND position > ${since} AND position <= ${latest}
            LIMIT ${maxChangedIds + 1}`,
      )
      const ids = changed.map((row) => row.id)
      if (ids.length > maxChangedIds || ids.some((id) => id === null || id === undefined)) {
        return { position: latest, changed: null }
      }
      return { position: latest, changed: ids as Array<string | number> }
    },
  }
}
