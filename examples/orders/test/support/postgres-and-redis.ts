import { Redis } from 'ioredis'
import pg from 'pg'
import { POSTGRES_URL } from '../databases.js'

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

async function reachable(): Promise<boolean> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 })
  try {
    await redis.connect()
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    redis.disconnect()
    await client.end().catch(() => {})
  }
}

/**
 * Whether the real Postgres and Redis the multi-instance tests need answer. Under CI=true they must
 * (the tests may not skip there); elsewhere `what` is reported as skipped.
 */
export async function postgresAndRedisUp(what: string): Promise<boolean> {
  const up = await reachable()
  if (!up) {
    if (process.env.CI === 'true') throw new Error('CI=true but Postgres or Redis is unreachable')
    console.warn(`\n⚠️  Postgres or Redis unreachable: ${what} SKIPPED\n`)
  }
  return up
}
