import { createHash } from 'node:crypto'
import { and, eq, isNull, lt, sql } from 'drizzle-orm'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { OrdersDb } from './db/client.js'
import { idempotencyKeys } from './db/schema.js'
import { sendProblem } from './problem.js'

export const IDEMPOTENCY_HEADER = 'idempotency-key'
export const REPLAY_HEADER = 'idempotent-replayed'
/** How long a key's first response is replayed. */
export const IDEMPOTENCY_TTL_HOURS = 24
/**
 * How long a reservation without a stored response blocks its key. A request normally stores its
 * response within milliseconds; a reservation this old belongs to a process that died mid-request,
 * and the next request with the key takes it over instead of getting 409 for a day. (A change that
 * did commit before the crash is then refused by its own guards on the retry: the client-generated
 * id already exists, or the version moved on.)
 */
export const IDEMPOTENCY_LEASE_SECONDS = 30

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this request reserved an Idempotency-Key and must store its response. */
    idempotencyKey?: string
  }
}

/**
 * Idempotency-Key for POST (Stripe's semantics): the first request reserves the key in the database
 * (so it works across instances), its response is stored and replayed for 24 h, the same key with a
 * different method, path or body gets 422, and a duplicate while the first still runs gets 409 with
 * Retry-After (a reservation older than the lease is taken over: its process died).
 * Validation runs first: a malformed request reserves nothing.
 */
export const idempotencyPlugin = fp<{ db: OrdersDb }>(
  async (app: FastifyInstance, { db }) => {
    app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method !== 'POST') return
      const key = request.headers[IDEMPOTENCY_HEADER]
      if (typeof key !== 'string') return
      const requestHash = fingerprint(request)

      // An expired record no longer counts: its key is free again.
      await db
        .delete(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.key, key),
            lt(idempotencyKeys.createdAt, sql`now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`),
          ),
        )
      const reserved = await db
        .insert(idempotencyKeys)
        .values({ key, requestHash })
        .onConflictDoNothing({ target: idempotencyKeys.key })
        .returning({ key: idempotencyKeys.key })
      if (reserved.length > 0) {
        request.idempotencyKey = key
        return
      }

      const [existing] = await db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key))
      if (!existing) {
        // Deleted between our insert and select (its first request failed with 5xx): ask for a retry.
        return sendProblem(reply, request, 409, {
          type: '/problems/idempotency-in-progress',
          detail: `Idempotency-Key ${key} was released just now; retry the request`,
        })
      }
      if (existing.requestHash !== requestHash) {
        return sendProblem(reply, request, 422, {
          type: '/problems/idempotency-key-reused',
          detail: `Idempotency-Key ${key} was used for a different request (method, path or body); use a new key`,
          errors: [{ field: 'Idempotency-Key', in: 'header', message: 'was used with a different body' }],
        })
      }
      if (existing.statusCode === null) {
        // Take over an abandoned reservation; the WHERE re-checks it, so of racing takers one wins.
        const takenOver = await db
          .update(idempotencyKeys)
          .set({ createdAt: sql`now()` })
          .where(
            and(
              eq(idempotencyKeys.key, key),
              isNull(idempotencyKeys.statusCode),
              lt(idempotencyKeys.createdAt, sql`now() - make_interval(secs => ${IDEMPOTENCY_LEASE_SECONDS})`),
            ),
          )
          .returning({ key: idempotencyKeys.key })
        if (takenOver.length > 0) {
          request.idempotencyKey = key
          return
        }
        reply.header('retry-after', '1')
        return sendProblem(reply, request, 409, {
          type: '/problems/idempotency-in-progress',
          detail: `a request with Idempotency-Key ${key} is still being processed; retry later`,
        })
      }
      reply.code(existing.statusCode).header(REPLAY_HEADER, 'true')
      if (existing.contentType) reply.type(existing.contentType)
      return reply.send(existing.responseBody ?? '')
    })

    app.addHook('onSend', async (request, reply, payload) => {
      const key = request.idempotencyKey
      if (key === undefined) return payload
      request.idempotencyKey = undefined
      if (reply.statusCode >= 500) {
        // The change did not happen: free the key so a retry can run.
        await db.delete(idempotencyKeys).where(eq(idempotencyKeys.key, key))
        return payload
      }
      const contentType = reply.getHeader('content-type')
      await db
        .update(idempotencyKeys)
        .set({
          statusCode: reply.statusCode,
          responseBody: typeof payload === 'string' ? payload : payload == null ? '' : String(payload),
          contentType: typeof contentType === 'string' ? contentType : null,
        })
        .where(eq(idempotencyKeys.key, key))
      return payload
    })
  },
  { name: 'idempotency' },
)

/** sha256 of method, URL and the body with sorted keys (so key order does not matter). */
function fingerprint(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${canonicalJson(request.body)}`)
    .digest('hex')
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
