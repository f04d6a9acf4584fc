import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MIN_ORIGIN_SECRET_BYTES, WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import { PostgresBroadcastEngine } from '@pattern-stack/backend-patterns/broadcast/postgres'
import { RedisBroadcastEngine } from '@pattern-stack/backend-patterns/broadcast/redis'
import { drizzleBroadcastHistory } from '@pattern-stack/backend-patterns/events'
import { type Access, broadcastAuthenticate } from './access.js'
import { buildApp } from './app.js'
import { openDatabase } from './db/client.js'
import { lanAddresses } from './lan-addresses.js'
import { assertCanListen, listenProblem, StartupError } from './port-check.js'
import { seedIfEmpty } from './seed.js'

/**
 * `npm start`: the Orders API on PORT (default 8000). DATABASE_URL switches from embedded PGlite
 * (data in examples/orders/.data) to a real Postgres (DATABASE_SCHEMA optionally names the schema);
 * REDIS_URL switches the broadcast from in-memory to Redis pub/sub, so several instances with the
 * same DATABASE_URL and REDIS_URL share data and broadcasts (give them the same
 * BROADCAST_ORIGIN_SECRET too, at least 32 characters).
 */
const port = Number(process.env.PORT ?? 8000)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`PORT must be a port number, got ${JSON.stringify(process.env.PORT)}`)
}
const host = process.env.HOST ?? '0.0.0.0'

/** A problem the user can fix gets one line, not a stack trace. */
function exitWith(message: string): never {
  console.error(message)
  process.exit(1)
}

try {
  await assertCanListen(port, host)
} catch (error) {
  if (error instanceof StartupError) exitWith(error.message)
  throw error
}
const dataDir = process.env.PGLITE_DATA_DIR ?? fileURLToPath(new URL('../.data/pglite', import.meta.url))
// The web app, once built into web/dist (npm start builds it first); until then / shows a how-to.
const webDist = fileURLToPath(new URL('../web/dist', import.meta.url))
const webDir = existsSync(join(webDist, 'index.html')) ? webDist : undefined

const database = await openDatabase({
  databaseUrl: process.env.DATABASE_URL,
  dataDir,
  schema: process.env.DATABASE_SCHEMA,
})
await database.migrate()
if (await seedIfEmpty(database.db)) console.log('seeded the menu and a few orders')

// One process: the in-memory engine. Several instances behind a load balancer: Redis pub/sub, or
// Postgres LISTEN/NOTIFY with BROADCAST_ENGINE=postgres (needs DATABASE_URL).
const redisUrl = process.env.REDIS_URL
// Instances behind one load balancer share BROADCAST_ORIGIN_SECRET, so the origin token a client got
// from one instance proves its connection to all (else each instance draws its own).
const originSecret = process.env.BROADCAST_ORIGIN_SECRET || undefined
if (originSecret !== undefined && Buffer.byteLength(originSecret) < MIN_ORIGIN_SECRET_BYTES) {
  exitWith(
    `BROADCAST_ORIGIN_SECRET must be at least ${MIN_ORIGIN_SECRET_BYTES} bytes (openssl rand -base64 32)`,
  )
}
const engineKind = process.env.BROADCAST_ENGINE ?? (redisUrl ? 'redis' : 'memory')
if (!['memory', 'redis', 'postgres'].includes(engineKind)) {
  exitWith(`BROADCAST_ENGINE must be memory, redis or postgres, got ${JSON.stringify(engineKind)}`)
}
if (engineKind === 'redis' && !redisUrl) exitWith('BROADCAST_ENGINE=redis needs REDIS_URL')
if (engineKind === 'postgres' && !process.env.DATABASE_URL)
  exitWith('BROADCAST_ENGINE=postgres needs DATABASE_URL')
// Instances of one app share broadcasts; apps in other schemas of the same database do not.
const prefix = process.env.DATABASE_SCHEMA ? { prefix: `sync:${process.env.DATABASE_SCHEMA}:` } : {}
const engine =
  engineKind === 'redis'
    ? new RedisBroadcastEngine({ url: redisUrl, ...prefix })
    : engineKind === 'postgres'
      ? new PostgresBroadcastEngine({ connectionString: process.env.DATABASE_URL, ...prefix })
      : undefined
// Access (README "Security"): a token for everyone but this machine's own browser. Listening on the
// network without one would let anyone on it read and change the orders, so one is drawn at start
// unless ORDERS_ACCESS_TOKEN sets it; ORDERS_AUTH=off turns access control off.
const loopbackOnly = ['127.0.0.1', 'localhost', '::1'].includes(host)
const configuredToken = process.env.ORDERS_ACCESS_TOKEN || undefined
if (configuredToken !== undefined && configuredToken.length < 16) {
  exitWith('ORDERS_ACCESS_TOKEN must be at least 16 characters (openssl rand -base64 24)')
}
const authOff = process.env.ORDERS_AUTH === 'off'
const access: Access = {
  token: authOff
    ? undefined
    : (configuredToken ?? (loopbackOnly ? undefined : randomBytes(18).toString('base64url'))),
  trustLoopback: true,
}
/** ORDERS_RATE_LIMIT: requests per minute per network address (default 1200), or `off`. */
function rateLimitOption() {
  const value = process.env.ORDERS_RATE_LIMIT
  if (value === 'off') return false as const
  const max = Number(value ?? 1200)
  if (!Number.isInteger(max) || max <= 0) {
    exitWith(`ORDERS_RATE_LIMIT must be a positive integer (per minute) or off, got ${JSON.stringify(value)}`)
  }
  // This machine's own requests (the person at the keyboard, local load tests) are not counted.
  return { max, timeWindowMs: 60_000, exemptLoopback: true }
}
// Extra page origins allowed to open the broadcast (say Vite's dev server); the app's own always is.
const extraOrigins = (process.env.ORDERS_ALLOWED_ORIGINS ?? '').split(',').filter(Boolean)
// The broadcast log answers reconnecting clients with what changed since the position they saw.
// BROADCAST_HISTORY=off serves without it (clients then refetch everything after a reconnect), the
// full-resync side of bench:recovery.
const historyOff = process.env.BROADCAST_HISTORY === 'off'
if (!['off', 'on', undefined].includes(process.env.BROADCAST_HISTORY)) {
  exitWith(`BROADCAST_HISTORY must be on or off, got ${JSON.stringify(process.env.BROADCAST_HISTORY)}`)
}
const backend = new WebSocketBroadcastBackend({
  authenticate: broadcastAuthenticate(access, extraOrigins),
  ...(engine ? { engine } : {}),
  ...(originSecret ? { originSecret } : {}),
  ...(historyOff ? {} : { history: drizzleBroadcastHistory({ db: database.db }) }),
})
// Fail at start, naming the URL, when the fan-out engine cannot connect (not on the first broadcast).
await backend.ready()
const app = await buildApp({
  db: database.db,
  health: database.health,
  backend,
  access,
  rateLimit: rateLimitOption(),
  faults: process.env.ORDERS_TEST_FAULTS === '1',
  ...testTimings(),
  // Server errors (5xx, failed broadcasts) are always logged; LOG=1 adds every request.
  logger: process.env.LOG === '1' ? true : { level: 'error' },
  webDir,
})

try {
  await app.listen({ port, host })
} catch (error) {
  // Taken between the check above and now.
  const problem = listenProblem(error, port, host)
  if (!problem) throw error
  await app.close()
  await database.close()
  exitWith(problem)
}
const address = app.server.address()
const actualPort = typeof address === 'object' && address ? address.port : port
console.log(
  `Orders ${webDir ? 'app and API' : 'API'} on http://localhost:${actualPort}  (${database.location}, ${{ memory: 'in-memory', redis: 'Redis', postgres: 'Postgres' }[engineKind]} broadcast)`,
)
console.log(
  `  OpenAPI: http://localhost:${actualPort}/openapi.json   broadcast: ws://localhost:${actualPort}/ws/broadcast`,
)
// Listening on every interface: the addresses the tablets on the same network should open.
if (host === '0.0.0.0' || host === '::') {
  const login = access.token ? `/login?token=${access.token}` : ''
  for (const address of lanAddresses())
    console.log(`  On your network: http://${address}:${actualPort}${login}`)
  console.log(
    access.token
      ? '  Anyone on your network can reach this port: tablets need the link above (it holds the access token); this machine needs none.'
      : '  ORDERS_AUTH=off: anyone on your network can read and change the orders. HOST=127.0.0.1 keeps it to this machine.',
  )
}

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  console.log(`${signal}: closing`)
  // Closes the broadcast connections first, with 4012 RESTARTING and a reconnect window: a deploy's
  // clients come back to the new process spread over that window (docs/protocol.md "Restart").
  await app.close()
  await database.close()
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

/**
 * Test hooks, only with ORDERS_TEST_FAULTS=1: ORDERS_TEST_PUBLISH_DELAY_MS holds each broadcast
 * that long after its commit (the crash window), ORDERS_RELAY_GRACE_MS / ORDERS_RELAY_INTERVAL_MS
 * set the outbox relay's timing.
 */
function testTimings(): { publishDelayMs?: number; relay?: { graceMs?: number; intervalMs?: number } } {
  if (process.env.ORDERS_TEST_FAULTS !== '1') return {}
  const number = (name: string) => {
    const value = process.env[name]
    if (value === undefined) return undefined
    const parsed = Number(value)
    if (!Number.isInteger(parsed) || parsed < 0)
      exitWith(`${name} must be a non-negative integer, got ${value}`)
    return parsed
  }
  const publishDelayMs = number('ORDERS_TEST_PUBLISH_DELAY_MS')
  const graceMs = number('ORDERS_RELAY_GRACE_MS')
  const intervalMs = number('ORDERS_RELAY_INTERVAL_MS')
  return {
    ...(publishDelayMs !== undefined ? { publishDelayMs } : {}),
    relay: {
      ...(graceMs !== undefined ? { graceMs } : {}),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
    },
  }
}
