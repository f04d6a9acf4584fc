import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import pg from 'pg'

/** The app's database handle: the same pg-core API on PGlite and on node-postgres. */
export type OrdersDb = PgDatabase<PgQueryResultHKT>

export interface Database {
  db: OrdersDb
  kind: 'pglite' | 'postgres'
  /** Where the data lives, for logs (never includes a password). */
  location: string
  /** Applies the Drizzle migrations in db/migrations that have not run yet. */
  migrate(): Promise<void>
  close(): Promise<void>
}

export interface OpenDatabaseOptions {
  /** A Postgres URL: use node-postgres. Without it, PGlite (embedded Postgres). */
  databaseUrl?: string | undefined
  /** PGlite data directory; omitted means in memory. */
  dataDir?: string | undefined
  /** Postgres only: put every table (and the migrations journal) in this schema, created if missing. */
  schema?: string | undefined
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url))

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.schema)
  return openPglite(options.dataDir)
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true })
  const client = new PGlite(dataDir)
  await client.waitReady
  const db = drizzlePglite(client)
  return {
    db,
    kind: 'pglite',
    location: dataDir ? `PGlite in ${dataDir}` : 'PGlite in memory',
    migrate: () => migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER }),
    close: () => client.close(),
  }
}

async function openPostgres(url: string, schema: string | undefined): Promise<Database> {
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
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  // An idle client's error (e.g. the server restarted) must not crash the process.
  pool.on('error', (error) => console.error('postgres pool error:', error.message))
  const db = drizzleNodePg(pool)
  const parsed = new URL(url)
  return {
    db,
    kind: 'postgres',
    location: `Postgres ${parsed.host}${parsed.pathname}${schema ? ` (schema ${schema})` : ''}`,
    migrate: () =>
      migrateNodePg(db, {
        migrationsFolder: MIGRATIONS_FOLDER,
        ...(schema ? { migrationsSchema: schema } : {}),
      }),
    close: () => pool.end(),
  }
}
