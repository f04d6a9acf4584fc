import { Redis } from 'ioredis'
import pg from 'pg'

/** The shared Redis and Postgres of the machine (or CI), as every scale-out test reads them. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const IN_CI = process.env.CI === 'true'

async function redisProblem(): Promise<string | null> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 2000 })
  let cause: unknown = null
  client.on('error', (error) => {
    cause = error
  })
  try {
    await client.connect()
    await client.ping()
    return null
  } catch (error) {
    const reason = cause ?? error
    return reason instanceof Error ? reason.message : String(reason)
  } finally {
    client.disconnect()
  }
}

async function postgresProblem(): Promise<string | null> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

/**
 * Whether a suite needing `service` can run. Unreachable: fails when CI=true (these suites are
 * mandatory there), else skips with a loud notice.
 */
async function available(
  service: string,
  url: string,
  problem: () => Promise<string | null>,
): Promise<boolean> {
  const reason = await problem()
  if (reason === null) return true
  const message = `${service} at ${url} is unreachable (${reason})`
  if (IN_CI) throw new Error(`${message}; CI=true requires it`)
  console.warn(
    `\n!!!!! SKIPPING scale-out tests that need ${service}: ${message}. Set ${service === 'Redis' ? 'REDIS_URL' : 'DATABASE_URL'}. !!!!!\n`,
  )
  return false
}

export const redisAvailable = await available('Redis', REDIS_URL, redisProblem)
export const postgresAvailable = await available('Postgres', DATABASE_URL, postgresProblem)

/** A prefix no other test run uses, so concurrent runs on the shared servers never cross. */
export function uniquePrefix(): string {
  return `t${process.pid}x${Math.random().toString(36).slice(2, 8)}:`
}
