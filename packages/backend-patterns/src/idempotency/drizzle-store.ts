import { and, eq, isNull, lt, sql } from 'drizzle-orm'
import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core'
import type { AnyPgDatabase } from '../events/system-event.js'
import {
  assertIdempotencyKey,
  type IdempotencyRecord,
  type IdempotencyStore,
  type StoredResponse,
} from './store.js'

/** The Idempotency-Key table (`name` default `idempotency_keys`), for your Drizzle schema. */
export function createIdempotencyKeysTable(name = 'idempotency_keys') {
  return pgTable(name, {
    key: text('key').primaryKey(),
    /** `requestFingerprint` of the request that reserved the key. */
    requestHash: text('request_hash').notNull(),
    /** Null while the first request is still running. */
    statusCode: integer('status_code'),
    /** The first response, byte for byte, and its content type. */
    responseBody: text('response_body'),
    contentType: text('content_type'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  })
}
export type IdempotencyKeysTable = ReturnType<typeof createIdempotencyKeysTable>

/** `idempotency_keys`: export it from your Drizzle schema so drizzle-kit migrates it. */
export const idempotencyKeys: IdempotencyKeysTable = createIdempotencyKeysTable()

/** SQL that creates the default table, for hand-written migrations (idempotent). */
export const IDEMPOTENCY_KEYS_DDL = `CREATE TABLE IF NOT EXISTS "idempotency_keys" (
  "key" text PRIMARY KEY NOT NULL,
  "request_hash" text NOT NULL,
  "status_code" integer,
  "response_body" text,
  "content_type" text,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL
);`

/**
 * Keys in a Postgres table through Drizzle (PGlite or node-postgres; any pg-core database), shared
 * by every instance on the database. Each step is one statement, so the database decides races:
 * the primary key lets one reservation in, a conditional UPDATE lets one takeover win. Times are
 * the database's `now()`, so instance clocks do not matter.
 */
export function drizzleIdempotencyStore(options: {
  db: AnyPgDatabase
  table?: IdempotencyKeysTable
}): IdempotencyStore {
  const { db, table = idempotencyKeys } = options
  return {
    async reserve(key, requestHash, ttlSeconds) {
      assertIdempotencyKey(key)
      // An expired record no longer counts: its key is free again.
      await db
        .delete(table)
        .where(
          and(eq(table.key, key), lt(table.createdAt, sql`now() - make_interval(secs => ${ttlSeconds})`)),
        )
      const inserted = await db
        .insert(table)
        .values({ key, requestHash })
        .onConflictDoNothing({ target: table.key })
        .returning({ key: table.key })
      return inserted.length > 0
    },

    async find(key): Promise<IdempotencyRecord | undefined> {
      assertIdempotencyKey(key)
      const [row] = await db
        .select({
          requestHash: table.requestHash,
          statusCode: table.statusCode,
          responseBody: table.responseBody,
          contentType: table.contentType,
        })
        .from(table)
        .where(eq(table.key, key))
      return row
    },

    async takeOver(key, leaseSeconds) {
      assertIdempotencyKey(key)
      // The WHERE re-checks the reservation, so of racing takers one wins.
      const taken = await db
        .update(table)
        .set({ createdAt: sql`now()` })
        .where(
          and(
            eq(table.key, key),
            isNull(table.statusCode),
            lt(table.createdAt, sql`now() - make_interval(secs => ${leaseSeconds})`),
          ),
        )
        .returning({ key: table.key })
      return taken.length > 0
    },

    async complete(key, response: StoredResponse) {
      assertIdempotencyKey(key)
      await db
        .update(table)
        .set({
          statusCode: response.statusCode,
          responseBody: response.body,
          contentType: response.contentType,
        })
        .where(eq(table.key, key))
    },

    async release(key) {
      assertIdempotencyKey(key)
      await db.delete(table).where(eq(table.key, key))
    },

    async sweep(ttlSeconds) {
      const swept = await db
        .delete(table)
        .where(lt(table.createdAt, sql`now() - make_interval(secs => ${ttlSeconds})`))
        .returning({ key: table.key })
      return swept.length
    },
  }
}
