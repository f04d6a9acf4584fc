import { randomBytes } from 'node:crypto'
import { BROADCAST_LOG_DDL } from '@pattern-stack/backend-patterns/events'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { POSTGRES_URL } from './databases.js'
import { api } from './harness.js'
import { postgresAndRedisUp } from './support/postgres-and-redis.js'
import { type OrdersMainProcess, startOrdersMain } from './support/start-main.js'
import {
  Balancer,
  eventually,
  type Tablet,
  tabletShowingNewOrders,
  versionsInDatabase,
} from './support/tablet.js'

/**
 * Issue 16: a broadcast log that starts over (its tables recreated, a database reset) counts
 * positions from 1 again. A client that remembers position 20 from the old log must not take the
 * new log's position 20 for "nothing changed": the `subscribed` ack names each channel's history
 * epoch, drawn when the channel's counter row is created, and a client whose remembered epoch
 * differs refetches the channel in full. One `npm start` instance (in-memory engine) on a Postgres
 * schema behind a load balancer; a tablet (a real BroadcastClient and QueryClient) shows 20 orders.
 */
const servicesUp = await postgresAndRedisUp('the history epoch tests are')

const port = (instance: OrdersMainProcess) => Number(new URL(instance.url).port)

describe.skipIf(!servicesUp)('history epochs', () => {
  const schema = `epoch_${randomBytes(4).toString('hex')}`
  const env = { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema, BROADCAST_ENGINE: 'memory' }
  const processes: OrdersMainProcess[] = []
  const balancer = new Balancer()
  let tablet: Tablet | undefined

  afterAll(async () => {
    tablet?.close()
    await balancer.close()
    await Promise.all(processes.map((p) => p.stop()))
    await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  })

  async function sql(text: string): Promise<void> {
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    try {
      await admin.query(text)
    } finally {
      await admin.end()
    }
  }

  it('after the log tables were recreated and reached the same position, a reconnecting tablet refetches everything', async () => {
    const first = await startOrdersMain(env, 60_000)
    processes.push(first)
    await balancer.listen()
    balancer.setTargets([port(first)])
    const shown = await tabletShowingNewOrders(first.url, balancer.url, 20)
    const { ids } = shown
    tablet = shown.tablet
    const current = shown.tablet

    // The instance dies; the broadcast log's tables are dropped and created again (the orders
    // stay), and a restarted instance changes all 20 orders: the new log is at position 20 too.
    balancer.refuse()
    await first.kill()
    await eventually(
      () => current.client.state !== 'connected',
      () => 'the tablet did not notice the instance going away',
    )
    await sql(
      `SET search_path TO "${schema}"; DROP TABLE broadcast_log; DROP TABLE broadcast_channels; ${BROADCAST_LOG_DDL}`,
    )
    const restarted = await startOrdersMain(env, 60_000)
    processes.push(restarted)
    for (const id of ids) {
      const patched = await api(restarted.url, 'PATCH', `/orders/${id}`, {
        body: { version: 1, notes: 'after the log started over' },
      })
      expect(patched.status).toBe(200)
    }

    current.gets.length = 0
    balancer.setTargets([port(restarted)])
    balancer.accept()
    await eventually(
      async () => {
        if (current.client.state !== 'connected' || current.client.catchingUp || !current.idle) return false
        const database = await versionsInDatabase(POSTGRES_URL, schema)
        return ids.every((id) => current.version(id) === database.get(id))
      },
      () => `the tablet kept the old versions: ${ids.map((id) => current.version(id)).join(',')}`,
    )
    // The full resync: the list and every order, not "nothing changed since 20".
    expect([...current.gets].sort()).toEqual(['/orders', ...ids.map((id) => `/orders/${id}`)].sort())
    expect(current.client.positions.order).toBe(20)
  }, 180_000)
})
