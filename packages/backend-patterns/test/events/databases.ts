import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import { BROADCAST_LOG_DDL, SYSTEM_EVENTS_DDL } from '@pattern-stack/backend-patterns/events'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { pgTable, text } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import pg from 'pg'

export type DatabaseKind = 'pglite' | 'postgres'
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A tiny entity to write next to the SystemEvents. */
export const widgets = pgTable('widgets', { id: text('id').primaryKey(), state: text('state').notNull() })
const DDL = `${SYSTEM_EVENTS_DDL}
${BROADCAST_LOG_DDL}
CREATE TABLE widgets (id text PRIMARY KEY, state text NOT NULL);`

/** PGlite always; Postgres when reachable, and always when CI=true. */
export async function databaseKinds(): Promise<DatabaseKind[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    return ['pglite', 'postgres']
  } catch {
    if (process.env.CI === 'true') throw new Error(`CI=true but Postgres at ${POSTGRES_URL} is unreachable`)
    console.warn(`\n⚠️  Postgres at ${POSTGRES_URL} is unreachable: these tests run on PGlite only\n`)
    return ['pglite']
  } finally {
    await client.end().catch(() => {})
  }
}

/** A database with system_events and widgets; on Postgres in a schema of its own, dropped by close(). */
export async function openTestDb(kind: DatabaseKind) {
  if (kind === 'pglite') {
    const client = new PGlite()
    await client.exec(DDL)
    return { db: drizzlePglite(client), close: () => client.close() }
  }
  const schema = `bp_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  await admin.query(`CREATE SCHEMA "${schema}"`)
  await admin.query(`SET search_path TO "${schema}"; ${DDL}`)
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4, options: `-c search_path=${schema}` })
  return {
    db: drizzleNodePg(pool),
    close: async () => {
      await pool.end()
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`)
      await admin.end()
    },
  }
}
