import { randomBytes, randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { POSTGRES_URL } from './databases.js'
import { api } from './harness.js'
import { postgresAndRedisUp, REDIS_URL } from './support/postgres-and-redis.js'
import { type OrdersMainProcess, startOrdersMain } from './support/start-main.js'
import { eventually, Tablet, versionsInDatabase } from './support/tablet.js'

/**
 * Issue 16, item 1: an instance that commits a change and dies before its broadcast went out must
 * not leave the other instances' clients stale. Two `npm start` instances (main.ts) on one Postgres
 * schema; A holds every broadcast after its commit (the test hook ORDERS_TEST_PUBLISH_DELAY_MS, so
 * the window between commit and publish is wide open), a PATCH on A commits, and A is killed with
 * SIGKILL before it published. B's outbox relay (default timing) must publish the change from the
 * broadcast log, and the tablet on B must end at the database's version.
 */
const servicesUp = await postgresAndRedisUp('the crash-window tests are')

const processes: OrdersMainProcess[] = []
const tablets: Tablet[] = []
const schemas: string[] = []

afterEach(async () => {
  for (const tablet of tablets.splice(0)) tablet.close()
  await Promise.all(processes.splice(0).map((p) => p.stop()))
})
afterAll(async () => {
  const admin = new pg.Client({ connectionString: POSTGRES_URL })
  await admin.connect()
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await admin.end()
})

describe.skipIf(!servicesUp).each(['redis', 'postgres'] as const)(
  'an instance killed between commit and publish (%s engine)',
  (engine) => {
    it('leaves nobody stale: another instance publishes the change from the broadcast log', async () => {
      const schema = `crash_${engine}_${randomBytes(4).toString('hex')}`
      schemas.push(schema)
      const env = {
        DATABASE_URL: POSTGRES_URL,
        DATABASE_SCHEMA: schema,
        REDIS_URL,
        BROADCAST_ENGINE: engine,
        ORDERS_TEST_FAULTS: '1',
      }
      // A: every broadcast waits a minute after its commit, and its own relay waits ten.
      const a = await startOrdersMain(
        { ...env, ORDERS_TEST_PUBLISH_DELAY_MS: '60000', ORDERS_RELAY_GRACE_MS: '600000' },
        60_000,
      )
      processes.push(a)
      // B: the product's defaults.
      const b = await startOrdersMain(env, 60_000)
      processes.push(b)

      const id = randomUUID()
      expect((await api(b.url, 'POST', '/orders', { body: { id } })).status).toBe(201)
      const tablet = new Tablet(b.url)
      tablets.push(tablet)
      tablet.watchOrder(id)
      await eventually(
        () => tablet.version(id) === 1,
        () => `the tablet never showed version 1 (got ${tablet.version(id)})`,
      )

      // The PATCH commits on A; its answer waits for the publish that never comes.
      const patch = api(a.url, 'PATCH', `/orders/${id}`, { body: { version: 1, notes: 'committed on A' } })
      patch.catch(() => {}) // A dies before answering
      await eventually(
        async () => (await versionsInDatabase(POSTGRES_URL, schema)).get(id) === 2,
        () => 'the PATCH on A never committed',
      )
      await a.kill()

      // Nothing else happens: only B's relay can tell the tablet.
      await eventually(
        () => tablet.version(id) === 2,
        () => `the tablet on B stayed at version ${tablet.version(id)}; the database says 2`,
      )
    }, 120_000)
  },
)

describe.skipIf(!servicesUp)('one instance with the in-memory engine', () => {
  it('publishes after a restart what the previous process committed but never sent', async () => {
    const schema = `crash_memory_${randomBytes(4).toString('hex')}`
    schemas.push(schema)
    const env = {
      DATABASE_URL: POSTGRES_URL,
      DATABASE_SCHEMA: schema,
      BROADCAST_ENGINE: 'memory',
      ORDERS_TEST_FAULTS: '1',
      ORDERS_RELAY_GRACE_MS: '600000',
    }
    const first = await startOrdersMain({ ...env, ORDERS_TEST_PUBLISH_DELAY_MS: '60000' }, 60_000)
    processes.push(first)
    const id = randomUUID()
    void api(first.url, 'POST', '/orders', { body: { id } }).catch(() => {})
    await eventually(
      async () => (await versionsInDatabase(POSTGRES_URL, schema)).has(id),
      () => 'the POST never committed',
    )
    await first.kill()
    expect(await unpublished(schema)).toEqual([`order #1 created ${id}`])

    // Restarted with the default relay timing: its first look publishes the orphan once it is older
    // than the grace period (the relay's own test shows subscribers receive what it publishes).
    const { ORDERS_RELAY_GRACE_MS: _, ...defaults } = env
    const second = await startOrdersMain(defaults, 60_000)
    processes.push(second)
    await eventually(
      async () => (await unpublished(schema)).length === 0,
      () => `the restarted instance never published the orphaned "created" of ${id}`,
    )
  }, 120_000)
})

/** The broadcast log's unpublished rows in `schema`, as `channel #position event entity_id`. */
async function unpublished(schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL })
  await client.connect()
  try {
    const result = await client.query<{ row: string }>(
      `SELECT channel || ' #' || position || ' ' || event || ' ' || (payload->>'entity_id') AS row
       FROM "${schema}".broadcast_log WHERE published_at IS NULL ORDER BY channel, position`,
    )
    return result.rows.map((r) => r.row)
  } finally {
    await client.end()
  }
}
