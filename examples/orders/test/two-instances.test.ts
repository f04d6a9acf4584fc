import { randomBytes, randomUUID } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { POSTGRES_URL } from './databases.js'
import { postgresAndRedisUp, REDIS_URL } from './support/postgres-and-redis.js'
import { type OrdersMainProcess, startOrdersMain } from './support/start-main.js'

/**
 * Issue 6, item 2: two `npm start` instances (examples/orders/server/main.ts) on different ports
 * with the same DATABASE_URL and REDIS_URL share data and broadcasts, with no sticky sessions.
 */
const servicesUp = await postgresAndRedisUp('the two-instance test of `npm start` is')

/** The secret both instances share, as a deployment behind one load balancer would. */
const ORIGIN_SECRET = randomBytes(32).toString('base64url')

async function startInstance(schema: string): Promise<OrdersMainProcess> {
  const instance = await startOrdersMain(
    {
      DATABASE_URL: POSTGRES_URL,
      DATABASE_SCHEMA: schema,
      REDIS_URL,
      BROADCAST_ORIGIN_SECRET: ORIGIN_SECRET,
    },
    60_000,
  )
  expect(instance.output()).toContain('Redis broadcast')
  return instance
}

/** A subscriber on `channel`, resolved once the server acknowledged the subscription. */
async function subscribe(baseUrl: string, channel: string) {
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/ws/broadcast`)
  const events: Array<{ event: string; payload: { entity_id?: string }; origin?: string }> = []
  const waiters: Array<() => void> = []
  let welcome: { connection_id: string; origin_token?: string } | undefined
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString())
      if (frame.welcome) {
        welcome = frame.welcome
        socket.send(JSON.stringify({ subscribe: [channel] }))
      } else if (frame.subscribed) resolve()
      else if (frame.event) {
        events.push(frame)
        for (const wake of waiters.splice(0)) wake()
      }
    })
  })
  if (!welcome) throw new Error('no welcome')
  return {
    events,
    welcome,
    async waitFor(predicate: (e: (typeof events)[number]) => boolean) {
      const deadline = Date.now() + 10_000
      while (!events.some(predicate)) {
        if (Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(events)}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 200)
        })
      }
    },
    close: () => socket.close(),
  }
}

describe.skipIf(!servicesUp)('two npm start instances with the same DATABASE_URL and REDIS_URL', () => {
  const schema = `two_instances_${randomBytes(5).toString('hex')}`
  let a: OrdersMainProcess | undefined
  let b: OrdersMainProcess | undefined

  beforeAll(async () => {
    a = await startInstance(schema) // migrates the schema first, so B finds it ready
    b = await startInstance(schema)
  }, 120_000)

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin.end()
  })

  it('a change handled by A is broadcast to subscribers of B, and B serves the same data', async () => {
    if (!a || !b) throw new Error('instances did not start')
    const onB = await subscribe(b.url, 'order')
    const onA = await subscribe(a.url, 'order')
    try {
      const id = randomUUID()
      const created = await fetch(`${a.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id }),
      })
      expect(created.status).toBe(201)
      await onB.waitFor((e) => e.event === 'created' && e.payload.entity_id === id)
      await onA.waitFor((e) => e.event === 'created' && e.payload.entity_id === id)
      // Exactly one delivery per subscriber: one PUBLISH, no duplicates across instances.
      expect(onB.events.filter((e) => e.payload.entity_id === id)).toHaveLength(1)
      expect(onA.events.filter((e) => e.payload.entity_id === id)).toHaveLength(1)

      const fromB = await fetch(`${b.url}/orders/${id}`)
      expect(fromB.status).toBe(200)
      expect((await fromB.json()).id).toBe(id)

      // And the other way round: B's change reaches A's subscriber.
      const deleted = await fetch(`${b.url}/orders/${id}`, { method: 'DELETE' })
      expect(deleted.status).toBeLessThan(300)
      await onA.waitFor((e) => e.event === 'deleted' && e.payload.entity_id === id)
      expect((await fetch(`${a.url}/orders/${id}`)).status).toBe(404)
    } finally {
      onA.close()
      onB.close()
    }
  })

  it('echo suppression cannot be spoofed across instances: only the token from welcome claims a change', async () => {
    if (!a || !b) throw new Error('instances did not start')
    const victim = await subscribe(a.url, 'order') // connected to A
    const attacker = await subscribe(b.url, 'order') // connected to B, sees every origin
    const post = async (base: string, origin: string | undefined) => {
      const id = randomUUID()
      const created = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(origin === undefined ? {} : { 'X-Broadcast-Origin': origin }),
        },
        body: JSON.stringify({ id }),
      })
      expect(created.status).toBe(201)
      await victim.waitFor((e) => e.payload.entity_id === id)
      await attacker.waitFor((e) => e.payload.entity_id === id)
      return { toVictim: victim.events.find((e) => e.payload.entity_id === id), id }
    }
    try {
      const token = victim.welcome.origin_token
      expect(token).toEqual(expect.any(String))
      // The victim's own change, sent through B (no sticky sessions): B verifies A's token.
      const own = await post(b.url, token)
      const seen = attacker.events.find((e) => e.payload.entity_id === own.id)
      expect(seen?.origin).toBe(victim.welcome.connection_id)
      expect(JSON.stringify(attacker.events)).not.toContain(token)
      // The attack, through either instance: the id every subscriber saw claims nothing.
      for (const base of [a.url, b.url]) {
        const forged = await post(base, seen?.origin)
        expect(forged.toVictim).toBeDefined()
        expect(forged.toVictim).not.toHaveProperty('origin')
      }
      // The attacker's own token does not claim the victim's connection either.
      const attackers = await post(a.url, attacker.welcome.origin_token)
      expect(attackers.toVictim?.origin).toBe(attacker.welcome.connection_id)
    } finally {
      victim.close()
      attacker.close()
    }
  })
})
