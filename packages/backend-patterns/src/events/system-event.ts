import { sql } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

/**
 * SystemEvent: the append-only audit log of every change, written in the same transaction as the
 * change it records (the spec's "SystemEvent logged to Postgres"). Rows are only ever inserted.
 */
export const systemEvents = pgTable(
  'system_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id').notNull(),
    eventType: text('event_type').notNull(),
    /** Who caused the change (user id, service name), when known. */
    actor: text('actor'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [index('system_events_entity_idx').on(table.entityType, table.entityId, table.createdAt)],
)

export type SystemEvent = typeof systemEvents.$inferSelect

/**
 * SQL that creates the table, for apps that write their migrations by hand. Same shape as
 * `systemEvents`; put it in a migration of your own (it is idempotent).
 */
export const SYSTEM_EVENTS_DDL = `CREATE TABLE IF NOT EXISTS "system_events" (
  "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
  "entity_type" text NOT NULL,
  "entity_id" text NOT NULL,
  "event_type" text NOT NULL,
  "actor" text,
  "payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL
);
CREATE INDEX IF NOT EXISTS "system_events_entity_idx" ON "system_events" ("entity_type", "entity_id", "created_at");`

/** What a service records about one change. */
export interface SystemEventInput {
  entityType: string
  entityId: string
  eventType: string
  actor?: string | null
  payload?: Record<string, unknown>
}

/**
 * Any Drizzle Postgres database or transaction: `drizzle-orm/pglite` and `drizzle-orm/node-postgres`
 * share the pg-core dialect, so the same code works on both.
 */
// biome-ignore lint/suspicious/noExplicitAny: the schema generics of the caller's db do not matter here
export type AnyPgDatabase = PgDatabase<PgQueryResultHKT, any, any>

/** Appends one SystemEvent with the given database or transaction handle and returns the stored row. */
export async function appendSystemEvent(db: AnyPgDatabase, input: SystemEventInput): Promise<SystemEvent> {
  for (const key of ['entityType', 'entityId', 'eventType'] as const) {
    if (typeof input[key] !== 'string' || input[key].length === 0) {
      throw new TypeError(`SystemEvent ${key} must be a non-empty string, got ${JSON.stringify(input[key])}`)
    }
  }
  const [row] = await db
    .insert(systemEvents)
    .values({
      entityType: input.entityType,
      entityId: input.entityId,
      eventType: input.eventType,
      actor: input.actor ?? null,
      payload: input.payload ?? {},
    })
    .returning()
  if (!row) throw new Error('inserting the SystemEvent returned no row')
  return row
}

/** Number of SystemEvents, optionally of one entity type. */
export async function countSystemEvents(db: AnyPgDatabase, entityType?: string): Promise<number> {
  const where = entityType === undefined ? sql`true` : sql`${systemEvents.entityType} = ${entityType}`
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(systemEvents).where(where)
  return row?.n ?? 0
}
