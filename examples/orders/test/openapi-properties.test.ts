import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contacts, orderItems, orders, systemEvents } from '../server/db/schema.js'
import {
  MAX_ITEMS_PER_ORDER,
  MAX_ORDER_TOTAL,
  MAX_QUANTITY,
  MAX_UNIT_PRICE,
} from '../server/schemas/order.js'
import { seedIfEmpty } from '../server/seed.js'
import { databaseKinds } from './databases.js'
import { api, BroadcastWatcher, startServer, type TestServer } from './harness.js'
import {
  outOfRange,
  resolve,
  type Schema,
  type SchemaContext,
  valid,
  wrongType,
} from './support/schema-arbitrary.js'

/**
 * Issue 17, item 4: property-based requests generated from the server's own /openapi.json, for every
 * route. Schema-valid requests never get a 5xx; schema-invalid ones (one field of the wrong type or
 * out of range, a required field missing, an unknown field, a bad path, query or header parameter,
 * malformed JSON) get a 4xx. Every 4xx is application/problem+json, and every refused request leaves
 * no row, no SystemEvent and no broadcast. Reproduce a failure with the seed and path fast-check
 * prints (`FC_SEED`, `FC_PATH`).
 */

const kinds = await databaseKinds()
const RUNS = Number(process.env.FC_RUNS ?? 40)

interface Operation {
  method: string
  path: string
  parameters: { in: string; name: string; required?: boolean; schema: Schema }[]
  body: Schema | undefined
}

interface GeneratedRequest {
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body?: unknown
  raw?: string
}

function operationsOf(doc: Schema): Operation[] {
  const list: Operation[] = []
  for (const [path, item] of Object.entries(doc.paths as Record<string, Schema>)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method]
      if (!op) continue
      list.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
      })
    }
  }
  return list
}

function fill(path: string, params: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''))
}

/** Valid requests: every parameter and the body drawn from their schemas. */
function validRequest(op: Operation, ctx: SchemaContext): fc.Arbitrary<GeneratedRequest> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {}
  const required: string[] = []
  for (const p of op.parameters) {
    const key = `${p.in}:${p.name}`
    parts[key] = valid(p.schema, ctx)
    if (p.required || p.in === 'path') required.push(key)
  }
  if (op.body) {
    parts.body = valid(op.body, ctx)
    required.push('body')
  }
  return fc.record(parts, { requiredKeys: required }).map((values) => {
    const request: GeneratedRequest = { path: '', query: {}, headers: {} }
    const pathParams: Record<string, string> = {}
    for (const [key, value] of Object.entries(values)) {
      if (key === 'body') {
        request.body = value
        continue
      }
      const [place, name] = key.split(':') as [string, string]
      if (place === 'path') pathParams[name] = String(value)
      else if (place === 'query') request.query[name] = String(value)
      else if (place === 'header') request.headers[name] = String(value)
    }
    request.path = fill(op.path, pathParams)
    return request
  })
}

type Mutation = (request: GeneratedRequest, op: Operation) => GeneratedRequest | undefined

/** Ways to make one valid request invalid; each returns `undefined` where it does not apply. */
function mutations(ctx: SchemaContext): Record<string, Mutation> {
  const bodySchema = (op: Operation) => (op.body ? resolve(op.body, ctx) : undefined)
  const objectBody = (request: GeneratedRequest) =>
    typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body)
      ? (request.body as Record<string, unknown>)
      : undefined
  return {
    'unknown field': (r, op) =>
      objectBody(r) && bodySchema(op)?.additionalProperties === false
        ? { ...r, body: { ...objectBody(r), not_a_field: 1 } }
        : undefined,
    'required field missing': (r, op) => {
      const name = bodySchema(op)?.required?.[0]
      const body = objectBody(r)
      if (!name || !body) return undefined
      const { [name]: _, ...rest } = body
      return { ...r, body: rest }
    },
    'field of the wrong type': (r, op) => {
      const schema = bodySchema(op)
      const body = objectBody(r)
      const name = Object.keys(schema?.properties ?? {})[0]
      if (!schema || !body || !name) return undefined
      return { ...r, body: { ...body, [name]: wrongType(schema.properties[name], ctx) } }
    },
    'field out of range': (r, op) => {
      const schema = bodySchema(op)
      const body = objectBody(r)
      if (!schema || !body) return undefined
      for (const [name, sub] of Object.entries(schema.properties ?? {})) {
        const value = outOfRange(sub as Schema, ctx)
        if (value !== undefined) return { ...r, body: { ...body, [name]: value } }
      }
      return undefined
    },
    'body not an object': (r, op) => (op.body ? { ...r, body: [r.body] } : undefined),
    'malformed JSON': (r, op) => (op.body ? { ...r, body: undefined, raw: '{"notes": ' } : undefined),
    'path parameter not a uuid': (r, op) => {
      const names = op.parameters.filter((p) => p.in === 'path').map((p) => p.name)
      if (names.length === 0) return undefined
      const params = Object.fromEntries(names.map((name) => [name, '00000000-0000-0000-0000-000000000000']))
      params[names[names.length - 1] as string] = 'not-a-uuid'
      return { ...r, path: fill(op.path, params) }
    },
    'query parameter out of range': (r, op) => {
      const p = op.parameters.find((q) => q.in === 'query')
      const value = p && outOfRange(p.schema, ctx)
      return p && value !== undefined ? { ...r, query: { ...r.query, [p.name]: String(value) } } : undefined
    },
    'header out of range': (r, op) => {
      const p = op.parameters.find((q) => q.in === 'header')
      const value = p && outOfRange(p.schema, ctx)
      return p && value !== undefined
        ? { ...r, headers: { ...r.headers, [p.name]: String(value) } }
        : undefined
    },
  }
}

describe.each(kinds)('every route of /openapi.json, property-based, on %s', (kind) => {
  let server: TestServer
  let watcher: BroadcastWatcher
  let ops: Operation[] = []
  let ctx: SchemaContext
  const knownIds: string[] = []

  beforeAll(async () => {
    server = await startServer(kind)
    await seedIfEmpty(server.database.db)
    watcher = await BroadcastWatcher.open(server.wsUrl, ['order', 'contact'])
    const doc = (await api(server.baseUrl, 'GET', '/openapi.json')).body
    ops = operationsOf(doc)
    ctx = { components: doc.components.schemas, knownIds: () => knownIds }
    const db = server.database.db
    for (const table of [orders, orderItems, contacts]) {
      for (const row of await db.select({ id: table.id }).from(table)) knownIds.push(row.id)
    }
    const menu = (await api(server.baseUrl, 'GET', '/menu')).body as { id: string }[]
    knownIds.push(...menu.map((m) => m.id))
  }, 60_000)
  afterAll(async () => {
    watcher?.close()
    await server?.close()
  })

  /** What a refused request must leave as it was: rows, their versions and totals, SystemEvents. */
  async function fingerprint(): Promise<string> {
    const db = server.database.db
    const [o] = await db
      .select({
        n: sql<string>`count(*)::text`,
        v: sql<string>`coalesce(sum(${orders.version}), 0)::text`,
        t: sql<string>`coalesce(sum(${orders.total}), 0)::text`,
      })
      .from(orders)
    const [i] = await db.select({ n: sql<string>`count(*)::text` }).from(orderItems)
    const [c] = await db
      .select({ n: sql<string>`count(*)::text`, v: sql<string>`coalesce(sum(${contacts.version}), 0)::text` })
      .from(contacts)
    const [e] = await db.select({ n: sql<string>`count(*)::text` }).from(systemEvents)
    return JSON.stringify({ o, i, c, e })
  }

  async function send(op: Operation, request: GeneratedRequest) {
    const query = new URLSearchParams(request.query).toString()
    return api(server.baseUrl, op.method, request.path + (query ? `?${query}` : ''), {
      headers: request.headers,
      ...(request.raw !== undefined ? { raw: request.raw } : {}),
      ...(request.body !== undefined ? { body: request.body } : {}),
    })
  }

  /** The checks every response passes; `refused` says the request must have been refused. */
  async function check(op: Operation, request: GeneratedRequest, refused: boolean) {
    const before = await fingerprint()
    const response = await send(op, request)
    const label = `${op.method} ${request.path} → ${response.status} ${response.text.slice(0, 300)}`
    expect(response.status, label).toBeLessThan(500)
    if (refused) expect(response.status, label).toBeGreaterThanOrEqual(400)
    if (response.status >= 400) {
      expect(response.headers.get('content-type'), label).toMatch(/^application\/problem\+json/)
      expect(response.body, label).toMatchObject({ status: response.status, title: expect.any(String) })
      expect(await fingerprint(), `${label}: the refused request changed the database`).toBe(before)
      expect(await watcher.settle(server.backend, 'order'), `${label}: a refused request broadcast`).toEqual(
        [],
      )
    } else {
      await watcher.reset(server.backend)
      const body = response.body as { id?: unknown } | undefined
      if (body && typeof body.id === 'string') knownIds.push(body.id)
    }
  }

  it('the largest order the schema allows is stored exactly; one item more is a 409 that changes nothing', async () => {
    const items = Array.from({ length: MAX_ITEMS_PER_ORDER }, (_, i) => ({
      name: `line ${i}`,
      quantity: MAX_QUANTITY,
      unit_price: MAX_UNIT_PRICE,
    }))
    const created = await api(server.baseUrl, 'POST', '/orders', { body: { items } })
    expect(created.status, created.text).toBe(201)
    expect(created.body.total).toBe(MAX_ORDER_TOTAL)
    expect((await api(server.baseUrl, 'GET', `/orders/${created.body.id}`)).body.total).toBe(MAX_ORDER_TOTAL)
    await watcher.reset(server.backend)
    const extra = { name: 'one more', quantity: 1, unit_price: 1 }
    await check(
      ops.find((op) => op.path === '/orders/{id}/items') as Operation,
      {
        path: `/orders/${created.body.id}/items`,
        query: {},
        headers: {},
        body: extra,
      },
      true,
    )
    const refused = await api(server.baseUrl, 'POST', `/orders/${created.body.id}/items`, { body: extra })
    expect(refused.status).toBe(409)
    expect(refused.body.type).toBe('/problems/order-full')
    await watcher.reset(server.backend)
  })

  it('schema-valid requests: never a 5xx; every 4xx is problem+json and changes nothing', async () => {
    expect(ops.length).toBeGreaterThanOrEqual(14)
    for (const op of ops) {
      await fc.assert(
        fc.asyncProperty(validRequest(op, ctx), (request) => check(op, request, false)),
        { numRuns: RUNS },
      )
    }
  }, 600_000)

  it('schema-invalid requests: a 4xx problem+json, no row, no SystemEvent, no broadcast', async () => {
    const all = mutations(ctx)
    const covered = new Set<string>()
    for (const op of ops) {
      const applicable = Object.entries(all).filter(([, mutate]) =>
        fc.sample(validRequest(op, ctx), 3).some((r) => mutate(r, op) !== undefined),
      )
      if (applicable.length === 0) continue
      const invalid = fc
        .tuple(validRequest(op, ctx), fc.constantFrom(...applicable))
        .map(([request, [name, mutate]]) => ({ name, request: mutate(request, op) }))
        .filter((m): m is { name: string; request: GeneratedRequest } => m.request !== undefined)
      await fc.assert(
        fc.asyncProperty(invalid, async ({ name, request }) => {
          covered.add(name)
          await check(op, request, true)
        }),
        { numRuns: RUNS },
      )
    }
    // Every kind of invalid input was tried somewhere.
    expect([...covered].sort()).toEqual(Object.keys(all).sort())
  }, 600_000)
})
