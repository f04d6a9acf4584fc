import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { POSTGRES_URL } from './databases.js'
import { api } from './harness.js'
import { postgresAndRedisUp, REDIS_URL } from './support/postgres-and-redis.js'
import { type OrdersMainProcess, startOrdersMain } from './support/start-main.js'
import {
  Balancer,
  eventually,
  type Tablet,
  tabletShowingNewOrders,
  versionsInDatabase,
} from './support/tablet.js'

/**
 * Issue 16, items 3 and 4: after a reconnect a client refetches only what changed while it was
 * away, from the broadcast log, whichever instance it comes back to. Two `npm start` instances on
 * one Postgres schema and Redis behind a load balancer; a tablet (a real BroadcastClient and
 * QueryClient, as the web app has) shows 20 orders and the orders list.
 */
const servicesUp = await postgresAndRedisUp('the positional recovery tests are')

const port = (instance: OrdersMainProcess) => Number(new URL(instance.url).port)

describe.skipIf(!servicesUp)('recovery from the broadcast log across restarts and instances', () => {
  const schema = `recovery_${randomBytes(4).toString('hex')}`
  const env = { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema, REDIS_URL }
  const processes: OrdersMainProcess[] = []
  const balancer = new Balancer()
  let tablet: Tablet | undefined

  afterAll(async () => {
    tablet?.close()
    await balancer.close()
    await Promise.all(processes.map((p) => p.stop()))
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin.end()
  })

  it('a restart with nothing changed causes no GET; one with 10 orders changed refetches those 10 (and the list) only', async () => {
    const a = await startOrdersMain(env, 60_000)
    processes.push(a)
    const b = await startOrdersMain(env, 60_000)
    processes.push(b)
    await balancer.listen()
    balancer.setTargets([port(a)])

    const shown = await tabletShowingNewOrders(a.url, balancer.url, 20)
    const { ids } = shown
    tablet = shown.tablet
    const current = shown.tablet
    expect(current.gets).toHaveLength(21)

    // 1. A dies (SIGKILL) with nothing changed; the tablet comes back through the balancer to B.
    current.gets.length = 0
    balancer.setTargets([port(b)])
    const onA = current.client.connectionId
    await a.kill()
    await eventually(
      () => current.client.connectionId !== null && current.client.connectionId !== onA,
      () => 'the tablet did not reconnect',
    )
    await caughtUp(current)
    expect(current.gets).toEqual([])

    // 2. B dies; while the tablet is away, 10 of the 20 orders change on A (restarted, same
    // database); then the tablet comes back to the restarted A.
    balancer.refuse()
    await b.kill()
    const restarted = await startOrdersMain(env, 60_000)
    processes.push(restarted)
    const changed = ids.slice(0, 10)
    for (const id of changed) {
      const patched = await api(restarted.url, 'PATCH', `/orders/${id}`, {
        body: { version: 1, notes: 'away' },
      })
      expect(patched.status).toBe(200)
    }
    await eventually(
      () => current.client.state !== 'connected',
      () => 'the tablet did not notice B going away',
    )
    current.gets.length = 0
    balancer.setTargets([port(restarted)])
    balancer.accept()
    await eventually(
      () => current.client.state === 'connected',
      () => 'the tablet did not reconnect to the restarted A',
    )
    await eventually(
      async () => {
        if (!current.idle) return false
        const database = await versionsInDatabase(POSTGRES_URL, schema)
        return ids.every((id) => current.version(id) === database.get(id))
      },
      () => `the tablet never caught up: ${ids.map((id) => current.version(id)).join(',')}`,
    )
    await caughtUp(current)
    expect([...current.gets].sort()).toEqual(['/orders', ...changed.map((id) => `/orders/${id}`)].sort())
    expect(current.client.positions.order).toBe(30)
  }, 180_000)
})

/** The tablet is connected, caught up after its reconnect, and has no refetch running or waiting. */
function caughtUp(tablet: Tablet): Promise<void> {
  return eventually(
    () => tablet.client.state === 'connected' && !tablet.client.catchingUp && tablet.idle,
    () => `the tablet never caught up (state ${tablet.client.state})`,
  )
}
