import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import pg from 'pg'
import { DatabaseHealth, isDatabaseUnavailable } from './health.js'

/** The app's database handle: the same pg-core API on PGlite and on node-postgres. */
export type OrdersDb = PgDatabase<PgQueryResultHKT>

export interface Database {
  db: OrdersDb
  kind: 'pglite' | 'postgres'
  /** Where the data lives, for logs (never includes a password). */
  location: string
  /** Applies the Drizzle migrations in db/migrations that have not run yet. */
  migrate(): Promise<void>
  /** Outages of this database, logged once each (shared with the app's error handler). */
  health: DatabaseHealth
  close(): Promise<void>
}

export interface OpenDatabaseOptions {
  /** A Postgres URL: use node-postgres. Without it, PGlite (embedded Postgres). */
  databaseUrl?: string | undefined
  /** PGlite data directory; omitted means in memory. */
  dataDir?: string | undefined
  /** Postgres only: put every table (and the migrations journal) in this schema, created if missing. */
  schema?: string | undefined
  /** Where outages are logged (default: one console.error line each). */
  health?: DatabaseHealth
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url))

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const health = options.health ?? new DatabaseHealth()
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.schema, health)
  return openPglite(options.dataDir, health)
}

async function openPglite(dataDir: string | undefined, health: DatabaseHealth): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const client = new PGlite(dataDir)
  await client.waitReady
  const db = drizzlePglite(client)
  return {
    db,
    kind: 'pglite',
    health,
    location: dataDir ? `PGlite in ${dataDir}` : 'PGlite in memory',
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.close(),
  }
}

async function openPostgres(
  url: string,
  schema: string | undefined,
  health: DatabaseHealth,
): Promise<Database> {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new TypeError(`schema ${JSON.stringify(schema)} must be a lower-case SQL identifier`)
  }
  if (schema) {
    const setup = new pg.Client({ connectionString: url })
    await setup.connect()
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    } finally {
      await setup.end()
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // A database that hangs fails the request (503) instead of holding it forever.
    connectionTimeoutMillis: 5000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  // A lost connection must not crash the process. The pool reports its idle clients' errors; a
  // checked-out client (between two statements of a transaction) reports to its own listeners
  // only, and with none Node throws, so each client gets one as it connects. The statement that
  // follows fails (the request answers 503). An outage is logged once, anything else as one line.
  const onConnectionError = (error: Error) => {
    if (isDatabaseUnavailable(error)) health.failed(error)
    else console.error('postgres pool error:', error.message)
  }
  pool.on('error', onConnectionError)
  pool.on('connect', (client) => client.on('error', onConnectionError))
  const db = drizzleNodePg(pool)
  const parsed = new URL(url)
  return {
    db,
    kind: 'postgres',
    health,
    location: `Postgres ${parsed.host}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}`,
    migrate: () =>
      migrateNodePg(db, {
        migrationsFolder: MIGRATIONS_FOLDER,
        ...(schema ? { migrationsSchema: schema } : {}),
      }),
    close: () => pool.end(),
  }
}
