import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { requestFingerprint } from './fingerprint.js'
import { IDEMPOTENCY_KEY_PATTERN, type IdempotencyStore, isIdempotencyKey } from './store.js'

/** The request header that carries the key (the IETF draft's `Idempotency-Key`). */
export const IDEMPOTENCY_HEADER = 'idempotency-key'
/** Set (`true`) on a replayed response. */
export const REPLAY_HEADER = 'idempotent-replayed'
export { IDEMPOTENCY_KEY_PATTERN }

/** A refusal of the plugin, as RFC 9457 problem fields. */
export interface IdempotencyProblem {
  status: 400 | 409 | 422
  /** `/problems/idempotency-in-progress`, `/problems/idempotency-key-reused`, `/problems/idempotency-key-invalid` */
  type: string
  detail: string
  errors?: Array<{ field: string; in: 'header'; message: string }>
}

export interface IdempotencyPluginOptions {
  store: IdempotencyStore
  /** How long a key's first response is replayed (seconds, default 24 h). */
  ttlSeconds?: number
  /**
   * How long a reservation without a stored response blocks its key (seconds, default 30). A
   * request normally stores its response within milliseconds; a reservation this old belongs to a
   * process that died mid-request, and the next request with the key takes it over instead of
   * getting 409 until the key expires. (A change that did commit before the crash is then refused
   * by its own guards on the retry: the client-generated id already exists, or the version moved.)
   */
  leaseSeconds?: number
  /** Methods the key applies to (default `['POST']`). */
  methods?: readonly string[]
  /**
   * How often expired records are deleted (`store.sweep`), in seconds (default 600; 0: never).
   * Without it a store only drops an expired key when the same key comes again.
   */
  sweepIntervalSeconds?: number
  /**
   * Sends a refusal. Default: `application/problem+json` with `type`, `title`, `status`, `detail`,
   * `instance` and `errors`. Pass the app's own to keep one problem format.
   */
  sendProblem?: (reply: FastifyReply, request: FastifyRequest, problem: IdempotencyProblem) => unknown
}

const TITLES: Record<IdempotencyProblem['status'], string> = {
  400: 'Bad Request',
  409: 'Conflict',
  422: 'Unprocessable Content',
}

function defaultSendProblem(reply: FastifyReply, request: FastifyRequest, problem: IdempotencyProblem) {
  const { status, ...fields } = problem
  return reply
    .code(status)
    .type('application/problem+json')
    .send(JSON.stringify({ title: TITLES[status], status, ...fields, instance: request.url }))
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `true`: Idempotency-Key applies to this route even though its schema does not declare the
     * header; `false`: never, even though it does.
     */
    idempotency?: boolean
  }
}

/**
 * Whether the key applies to the request's route: a route that exists (never the 404 handler)
 * whose `schema.headers` declares `idempotency-key`, or whose `config.idempotency` is `true`.
 */
function routeUsesKeys(request: FastifyRequest): boolean {
  if (request.is404) return false
  const flag = request.routeOptions.config?.idempotency
  if (typeof flag === 'boolean') return flag
  const headers = request.routeOptions.schema?.headers as { properties?: Record<string, unknown> } | undefined
  return headers?.properties !== undefined && IDEMPOTENCY_HEADER in headers.properties
}

/**
 * Idempotency-Key with Stripe's semantics, the retry contract the sync-patterns client relies on
 * (it sends one key per mutation and reuses it on every retry):
 * - the first request with a key reserves it in the store (shared across instances when the store
 *   is), its response (status, body, content type) is stored and replayed for `ttlSeconds`, marked
 *   `Idempotent-Replayed: true`;
 * - the same key with another method, URL or body gets 422 `idempotency-key-reused`;
 * - a duplicate while the first still runs gets 409 `idempotency-in-progress` with `Retry-After: 1`;
 *   a reservation older than `leaseSeconds` without a response is taken over (its process died);
 * - a 5xx response frees the key (the change did not happen), so a retry runs;
 * - it runs as a `preHandler`, after validation: a malformed request reserves nothing. A key that
 *   is not 1–255 printable ASCII characters gets 400 (routes that declare the header in their
 *   schema refuse it earlier, in validation);
 * - only on routes that use keys (`routeUsesKeys`: the header declared in the route's schema, or
 *   `config: { idempotency: true }`), with the given `methods`; elsewhere, including unknown routes,
 *   the header is ignored and nothing is stored;
 * - expired records are deleted every `sweepIntervalSeconds` (`store.sweep`), so the store holds
 *   at most the keys of the last `ttlSeconds`.
 */
export const idempotencyPlugin = fp<IdempotencyPluginOptions>(
  async (app: FastifyInstance, options) => {
    const { store } = options
    if (!store || typeof store.reserve !== 'function') {
      throw new TypeError('idempotencyPlugin needs a store (an IdempotencyStore)')
    }
    const ttlSeconds = options.ttlSeconds ?? 24 * 60 * 60
    const leaseSeconds = options.leaseSeconds ?? 30
    const methods = new Set((options.methods ?? ['POST']).map((m) => m.toUpperCase()))
    const sendProblem = options.sendProblem ?? defaultSendProblem
    const sweepIntervalSeconds = options.sweepIntervalSeconds ?? 600
    if (typeof sweepIntervalSeconds !== 'number' || !(sweepIntervalSeconds >= 0)) {
      throw new TypeError(
        `sweepIntervalSeconds must be a number ≥ 0, got ${JSON.stringify(sweepIntervalSeconds)}`,
      )
    }
    if (sweepIntervalSeconds > 0 && typeof store.sweep === 'function') {
      const sweep = store.sweep.bind(store)
      let timer: NodeJS.Timeout | undefined
      app.addHook('onReady', async () => {
        timer = setInterval(() => {
          sweep(ttlSeconds).then(
            (count) => {
              if (count > 0) app.log.debug(`idempotency: swept ${count} expired keys`)
            },
            (error: unknown) => app.log.warn({ err: error }, 'idempotency: sweeping expired keys failed'),
          )
        }, sweepIntervalSeconds * 1000)
        timer.unref()
      })
      app.addHook('onClose', async () => clearInterval(timer))
    }
    /** Requests that reserved a key and must store their response. */
    const reserved = new WeakMap<FastifyRequest, string>()

    app.addHook('preHandler', async (request, reply) => {
      if (!methods.has(request.method)) return
      const key = request.headers[IDEMPOTENCY_HEADER]
      if (key === undefined || !routeUsesKeys(request)) return
      if (!isIdempotencyKey(key)) {
        return sendProblem(reply, request, {
          status: 400,
          type: '/problems/idempotency-key-invalid',
          detail: 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces',
          errors: [{ field: IDEMPOTENCY_HEADER, in: 'header', message: 'is not a valid key' }],
        })
      }
      const requestHash = requestFingerprint(request.method, request.url, request.body)
      if (await store.reserve(key, requestHash, ttlSeconds)) {
        reserved.set(request, key)
        return
      }
      const existing = await store.find(key)
      if (!existing) {
        // Released between our reserve and find (its first request failed with 5xx): ask for a retry.
        return sendProblem(reply, request, {
          status: 409,
          type: '/problems/idempotency-in-progress',
          detail: `Idempotency-Key ${key} was released just now; retry the request`,
        })
      }
      if (existing.requestHash !== requestHash) {
        return sendProblem(reply, request, {
          status: 422,
          type: '/problems/idempotency-key-reused',
          detail: `Idempotency-Key ${key} was used for a different request (method, path or body); use a new key`,
          errors: [{ field: 'Idempotency-Key', in: 'header', message: 'was used with a different body' }],
        })
      }
      if (existing.statusCode === null) {
        if (await store.takeOver(key, leaseSeconds)) {
          reserved.set(request, key)
          return
        }
        reply.header('retry-after', '1')
        return sendProblem(reply, request, {
          status: 409,
          type: '/problems/idempotency-in-progress',
          detail: `a request with Idempotency-Key ${key} is still being processed; retry later`,
        })
      }
      reply.code(existing.statusCode).header(REPLAY_HEADER, 'true')
      if (existing.contentType) reply.type(existing.contentType)
      return reply.send(existing.responseBody ?? '')
    })

    app.addHook('onSend', async (request, reply, payload) => {
      const key = reserved.get(request)
      if (key === undefined) return payload
      reserved.delete(request)
      if (reply.statusCode >= 500) {
        await store.release(key)
        return payload
      }
      const contentType = reply.getHeader('content-type')
      await store.complete(key, {
        statusCode: reply.statusCode,
        body: typeof payload === 'string' ? payload : payload == null ? '' : String(payload),
        contentType: typeof contentType === 'string' ? contentType : null,
      })
      return payload
    })
  },
  { name: '@pattern-stack/idempotency', fastify: '5.x' },
)
