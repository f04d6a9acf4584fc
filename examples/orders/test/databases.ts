import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { type Database, openDatabase } from '../server/db/client.js'

export type DatabaseKind = 'pglite' | 'postgres'

export const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => {})
  }
}

/** PGlite always; Postgres when reachable, and always when CI=true (then unreachable is a failure). */
export async function databaseKinds(): Promise<DatabaseKind[]> {
  if (await postgresReachable()) return ['pglite', 'postgres']
  if (process.env.CI === 'true') throw new Error(`CI=true but Postgres at ${POSTGRES_URL} is unreachable`)
  console.warn(`\n⚠️  Postgres at ${POSTGRES_URL} is unreachable: these tests run on PGlite only\n`)
  return ['pglite']
}

/**
 * A migrated, empty database of `kind`. On Postgres each call gets its own schema (so test files
 * running in parallel never collide), dropped again by `close`.
 */
export async function openTestDatabase(kind: DatabaseKind): Promise<Database> {
  if (kind === 'pglite') {
    const database = await openDatabase()
    await database.migrate()
    return database
  }
  const schema = `test_${randomBytes(6).toString('hex')}`
  const database = await openDatabase({ databaseUrl: POSTGRES_URL, schema })
  await database.migrate()
  return {
    ...database,
    close: async () => {
      await database.close()
      const admin = new pg.Client({ connectionString: POSTGRES_URL })
      await admin.connect()
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      } finally {
        await admin.end()
      }
    },
  }
}
