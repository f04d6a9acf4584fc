import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import {
  type IdempotencyPluginOptions,
  type IdempotencyStore,
  idempotencyPlugin,
  MemoryIdempotencyStore,
  requestFingerprint,
} from '@pattern-stack/backend-patterns/idempotency'
import {
  drizzleIdempotencyStore,
  IDEMPOTENCY_KEYS_DDL,
  idempotencyKeys,
} from '@pattern-stack/backend-patterns/idempotency/drizzle'
import { eq, sql } from 'drizzle-orm'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { databaseKinds } from '../events/databases.js'

const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

interface StoreRig {
  store: IdempotencyStore
  /** Makes the record of `key` look `seconds` older (a crashed process, an expired key). */
  age(key: string, seconds: number): Promise<void>
  /** Writes a reservation without a response, as a process that died mid-request leaves it. */
  abandon(key: string, requestHash: string): Promise<void>
  /** Records held, expired ones included. */
  count(): Promise<number>
  close(): Promise<void>
}

async function memoryRig(): Promise<StoreRig> {
  let offsetMs = 0
  const store = new MemoryIdempotencyStore(() => Date.now() + offsetMs)
  return {
    store,
    // One record at a time in these tests: moving the clock ages it.
    age: async (_key, seconds) => {
      offsetMs += seconds * 1000
    },
    abandon: async (key, requestHash) => {
      await store.reserve(key, requestHash, 0)
    },
    count: async () => store.size,
    close: async () => {},
  }
}

async function drizzleRig(kind: 'pglite' | 'postgres'): Promise<StoreRig> {
  let db: Parameters<typeof drizzleIdempotencyStore>[0]['db']
  let close: () => Promise<void>
  if (kind === 'pglite') {
    const client = new PGlite()
    await client.exec(IDEMPOTENCY_KEYS_DDL)
    db = drizzlePglite(client)
    close = () => client.close()
  } else {
    const schema = `idem_test_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    await admin.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"; ${IDEMPOTENCY_KEYS_DDL}`)
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4, options: `-c search_path=${schema}` })
    db = drizzleNodePg(pool)
    close = async () => {
      await pool.end()
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`)
      await admin.end()
    }
  }
  return {
    store: drizzleIdempotencyStore({ db }),
    age: async (key, seconds) => {
      await db
        .update(idempotencyKeys)
        .set({ createdAt: sql`created_at - make_interval(secs => ${seconds})` })
        .where(eq(idempotencyKeys.key, key))
    },
    abandon: async (key, requestHash) => {
      await db.insert(idempotencyKeys).values({ key, requestHash })
    },
    count: async () => {
      const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(idempotencyKeys)
      return row?.n ?? 0
    },
    close,
  }
}

const kinds = await databaseKinds()
const rigs: Array<[string, () => Promise<StoreRig>]> = [
  ['MemoryIdempotencyStore', memoryRig],
  ...kinds.map((kind): [string, () => Promise<StoreRig>] => [
    `drizzleIdempotencyStore on ${kind}`,
    () => drizzleRig(kind),
  ]),
]

/** A real Fastify app on loopback with the plugin and a few routes that count their runs. */
async function startApp(store: IdempotencyStore, options: Partial<IdempotencyPluginOptions> = {}) {
  const app: FastifyInstance = Fastify()
  await app.register(idempotencyPlugin, { store, ...options })
  const runs: { things: number; other?: number } = { things: 0 }
  // A request with `x-hold` runs until the test releases it, so "while the first runs" needs no sleep.
  let entered!: () => void
  let release!: () => void
  const hold = {
    entered: new Promise<void>((resolve) => {
      entered = resolve
    }),
    released: new Promise<void>((resolve) => {
      release = resolve
    }),
  }
  app.post<{ Body: { name: string } }>(
    '/things',
    {
      schema: {
        body: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        // Declaring the header is what makes a route use keys.
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string' } } },
      },
    },
    async (request, reply) => {
      runs.things++
      if (request.headers['x-hold']) {
        entered()
        await hold.released
      }
      if (request.headers['x-fail']) return reply.code(503).send({ error: 'down' })
      if (request.body.name === 'missing') return reply.code(404).send({ error: 'no such thing' })
      return reply.code(201).send({ id: `t${runs.things}`, name: request.body.name })
    },
  )
  app.post('/other', async () => {
    runs.other = (runs.other ?? 0) + 1
    return { ok: true }
  })
  app.patch('/things/:id', { config: { idempotency: true } }, async () => {
    runs.things++
    return { patched: runs.things }
  })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const call = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(address + path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
    const text = await response.text()
    return {
      status: response.status,
      headers: response.headers,
      text,
      json: text ? JSON.parse(text) : undefined,
    }
  }
  return { app, runs, call, entered: hold.entered, release, close: () => app.close() }
}

let n = 0
const newKey = () => `k-${Date.now()}-${++n}`

describe.each(rigs)('idempotencyPlugin with %s', (_name, makeRig) => {
  let rig: StoreRig
  beforeAll(async () => {
    rig = await makeRig()
  })
  afterAll(async () => {
    await rig?.close()
  })

  it('replays the first response (status, body, content type) and runs the handler once', async () => {
    const { runs, call, close } = await startApp(rig.store)
    try {
      const key = newKey()
      const first = await call('POST', '/things', { name: 'a' }, { 'idempotency-key': key })
      const second = await call('POST', '/things', { name: 'a' }, { 'idempotency-key': key })
      expect(first.status).toBe(201)
      expect(second.status).toBe(201)
      expect(second.text).toBe(first.text)
      expect(second.headers.get('content-type')).toBe(first.headers.get('content-type'))
      expect(second.headers.get('idempotent-replayed')).toBe('true')
      expect(first.headers.get('idempotent-replayed')).toBeNull()
      expect(runs.things).toBe(1)
      // Key order in the body does not matter; without a key every request runs.
      const reordered = await call('POST', '/things', '{"name":"a"}', { 'idempotency-key': key })
      expect(reordered.headers.get('idempotent-replayed')).toBe('true')
      await call('POST', '/things', { name: 'a' })
      expect(runs.things).toBe(2)
    } finally {
      await close()
    }
  })

  it('refuses the same key with another body or path: 422 as application/problem+json', async () => {
    const { runs, call, close } = await startApp(rig.store)
    try {
      const key = newKey()
      await call('POST', '/things', { name: 'a' }, { 'idempotency-key': key })
      const otherBody = await call('POST', '/things', { name: 'b' }, { 'idempotency-key': key })
      const otherPath = await call('POST', '/things?copy=1', { name: 'a' }, { 'idempotency-key': key })
      for (const response of [otherBody, otherPath]) {
        expect(response.status).toBe(422)
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
        expect(response.json).toMatchObject({
          type: '/problems/idempotency-key-reused',
          title: 'Unprocessable Content',
          status: 422,
          errors: [{ field: 'Idempotency-Key', in: 'header' }],
        })
      }
      expect(runs.things).toBe(1)
    } finally {
      await close()
    }
  })

  it('a duplicate while the first runs gets 409 with Retry-After; of a burst the handler runs once', async () => {
    const { runs, call, entered, release, close } = await startApp(rig.store)
    try {
      const key = newKey()
      const slow = call('POST', '/things', { name: 'slow' }, { 'idempotency-key': key, 'x-hold': '1' })
      await entered
      const duplicate = await call('POST', '/things', { name: 'slow' }, { 'idempotency-key': key })
      release()
      expect(duplicate.status).toBe(409)
      expect(duplicate.json.type).toBe('/problems/idempotency-in-progress')
      expect(duplicate.headers.get('retry-after')).toBe('1')
      expect((await slow).status).toBe(201)

      const burstKey = newKey()
      const before = runs.things
      const burst = await Promise.all(
        Array.from({ length: 8 }, () =>
          call('POST', '/things', { name: 'burst' }, { 'idempotency-key': burstKey }),
        ),
      )
      expect(burst.every((r) => r.status === 201 || r.status === 409)).toBe(true)
      expect(new Set(burst.filter((r) => r.status === 201).map((r) => r.json.id)).size).toBe(1)
      expect(runs.things).toBe(before + 1)
    } finally {
      await close()
    }
  })

  it('frees the key after a 5xx; replays 4xx; a request refused by validation reserves nothing', async () => {
    const { runs, call, close } = await startApp(rig.store)
    try {
      const key = newKey()
      expect(
        (await call('POST', '/things', { name: 'x' }, { 'idempotency-key': key, 'x-fail': '1' })).status,
      ).toBe(503)
      const retry = await call('POST', '/things', { name: 'x' }, { 'idempotency-key': key })
      expect(retry.status).toBe(201)
      expect(retry.headers.get('idempotent-replayed')).toBeNull()

      const missing = newKey()
      expect(
        (await call('POST', '/things', { name: 'missing' }, { 'idempotency-key': missing })).status,
      ).toBe(404)
      const again = await call('POST', '/things', { name: 'missing' }, { 'idempotency-key': missing })
      expect(again.status).toBe(404)
      expect(again.headers.get('idempotent-replayed')).toBe('true')

      const invalid = newKey()
      expect((await call('POST', '/things', {}, { 'idempotency-key': invalid })).status).toBe(400)
      const valid = await call('POST', '/things', { name: 'ok' }, { 'idempotency-key': invalid })
      expect(valid.status).toBe(201)
      expect(runs.things).toBe(4)
    } finally {
      await close()
    }
  })

  it('takes over a reservation abandoned by a crashed process once the lease is over', async () => {
    const { runs, call, close } = await startApp(rig.store)
    try {
      const key = newKey()
      await rig.abandon(key, requestFingerprint('POST', '/things', { name: 'crash' }))
      const within = await call('POST', '/things', { name: 'crash' }, { 'idempotency-key': key })
      expect(within.status).toBe(409) // within the lease it may still be running
      await rig.age(key, 31)
      const retried = await call('POST', '/things', { name: 'crash' }, { 'idempotency-key': key })
      expect(retried.status).toBe(201)
      const replay = await call('POST', '/things', { name: 'crash' }, { 'idempotency-key': key })
      expect(replay.headers.get('idempotent-replayed')).toBe('true')
      expect(replay.json.id).toBe(retried.json.id)
      expect(runs.things).toBe(1)
    } finally {
      await close()
    }
  })

  it('replays until the TTL is over, then the key is free again', async () => {
    const { runs, call, close } = await startApp(rig.store, { ttlSeconds: 3600 })
    try {
      const key = newKey()
      const first = await call('POST', '/things', { name: 'day' }, { 'idempotency-key': key })
      await rig.age(key, 3500)
      expect((await call('POST', '/things', { name: 'day' }, { 'idempotency-key': key })).json.id).toBe(
        first.json.id,
      )
      await rig.age(key, 200)
      const after = await call('POST', '/things', { name: 'day' }, { 'idempotency-key': key })
      expect(after.status).toBe(201)
      expect(after.headers.get('idempotent-replayed')).toBeNull()
      expect(runs.things).toBe(2)
    } finally {
      await close()
    }
  })
})

describe.each(rigs)('idempotency storage stays bounded, with %s', (_name, makeRig) => {
  let rig: StoreRig
  beforeAll(async () => {
    rig = await makeRig()
  })
  afterAll(() => rig?.close())

  it('junk keys add nothing: unknown routes, routes that do not use keys, invalid keys', async () => {
    const { runs, call, close } = await startApp(rig.store)
    try {
      const before = await rig.count()
      for (let i = 0; i < 200; i++) {
        expect((await call('POST', '/no-such-route', {}, { 'idempotency-key': newKey() })).status).toBe(404)
      }
      for (let i = 0; i < 50; i++) {
        expect((await call('POST', '/other', {}, { 'idempotency-key': newKey() })).status).toBe(200)
      }
      expect(runs.other).toBe(50) // the header is ignored there: every request runs
      for (const bad of ['x'.repeat(8000), 'has space', 'ünïcode']) {
        const refused = await call('POST', '/things', { name: 'a' }, { 'idempotency-key': bad })
        expect(refused.status).toBe(400)
        expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      }
      expect(runs.things).toBe(0)
      expect(await rig.count()).toBe(before)
    } finally {
      await close()
    }
  })

  it('the store refuses invalid keys itself, naming the problem', async () => {
    for (const bad of ['', 'x'.repeat(256), 'has space', 42]) {
      await expect(rig.store.reserve(bad as string, 'h', 60)).rejects.toThrow(/printable ASCII/)
      await expect(rig.store.find(bad as string)).rejects.toThrow(/printable ASCII/)
    }
  })

  it('sweep deletes expired records and keeps live ones; the plugin sweeps on its interval', async () => {
    const old = newKey()
    const live = newKey()
    await rig.store.reserve(old, 'h', 60)
    await rig.store.complete(old, { statusCode: 201, body: '{}', contentType: 'application/json' })
    await rig.age(old, 120)
    await rig.store.reserve(live, 'h', 60)
    const before = await rig.count()
    expect(await rig.store.sweep?.(60)).toBeGreaterThanOrEqual(1)
    expect(await rig.store.find(old)).toBeUndefined()
    expect(await rig.store.find(live)).toBeDefined()
    expect(await rig.count()).toBeLessThan(before)

    // The plugin's own sweep, without calling sweep by hand: a key aged past the TTL disappears.
    const app = Fastify()
    await app.register(idempotencyPlugin, { store: rig.store, ttlSeconds: 60, sweepIntervalSeconds: 0.05 })
    await app.ready()
    try {
      const aged = newKey()
      await rig.store.reserve(aged, 'h', 60)
      await rig.age(aged, 120)
      await vi.waitFor(async () => expect(await rig.store.find(aged)).toBeUndefined(), { timeout: 10_000 })
    } finally {
      await app.close()
    }
  })
})

describe('idempotencyPlugin options', () => {
  it('refuses a malformed key with 400 naming the header, and leaves other methods alone', async () => {
    const { runs, call, close } = await startApp(new MemoryIdempotencyStore())
    try {
      const bad = await call('POST', '/things', { name: 'a' }, { 'idempotency-key': 'has space' })
      expect(bad.status).toBe(400)
      expect(bad.json).toMatchObject({
        type: '/problems/idempotency-key-invalid',
        errors: [{ field: 'idempotency-key', in: 'header' }],
      })
      const long = await call('POST', '/things', { name: 'a' }, { 'idempotency-key': 'k'.repeat(256) })
      expect(long.status).toBe(400)
      // PATCH is not covered by default: both run.
      await call('PATCH', '/things/1', {}, { 'idempotency-key': 'p1' })
      await call('PATCH', '/things/1', {}, { 'idempotency-key': 'p1' })
      expect(runs.things).toBe(2)
    } finally {
      await close()
    }
  })

  it('covers the methods it is given and sends refusals through sendProblem', async () => {
    const refusals: unknown[] = []
    const { runs, call, close } = await startApp(new MemoryIdempotencyStore(), {
      methods: ['POST', 'patch'],
      sendProblem: (reply, _request, problem) => {
        refusals.push(problem)
        return reply.code(problem.status).send({ mine: problem.type })
      },
    })
    try {
      const first = await call('PATCH', '/things/1', {}, { 'idempotency-key': 'p1' })
      const replay = await call('PATCH', '/things/1', {}, { 'idempotency-key': 'p1' })
      expect(replay.json).toEqual(first.json)
      expect(runs.things).toBe(1)
      const reused = await call('PATCH', '/things/2', {}, { 'idempotency-key': 'p1' })
      expect(reused.status).toBe(422)
      expect(reused.json).toEqual({ mine: '/problems/idempotency-key-reused' })
      expect(refusals).toHaveLength(1)
    } finally {
      await close()
    }
  })

  it('needs a store', async () => {
    const app = Fastify()
    await expect(app.register(idempotencyPlugin, {} as IdempotencyPluginOptions).ready()).rejects.toThrow(
      'idempotencyPlugin needs a store',
    )
    await app.close()
  })
})
