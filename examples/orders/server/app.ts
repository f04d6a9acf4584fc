import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import swagger from '@fastify/swagger'
import type { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import { broadcastPlugin } from '@pattern-stack/backend-patterns/broadcast/fastify'
import {
  type BroadcastDispatch,
  BroadcastOutboxRelay,
  type BroadcastTarget,
  outboxDispatch,
  UnitOfWork,
} from '@pattern-stack/backend-patterns/events'
import { idempotencyPlugin } from '@pattern-stack/backend-patterns/idempotency'
import { drizzleIdempotencyStore } from '@pattern-stack/backend-patterns/idempotency/drizzle'
import { createXSync } from '@pattern-stack/backend-patterns/openapi'
import { DEFAULT_BROADCAST_PATH } from '@pattern-stack/sync-protocol'
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { type Access, installAccess, isLoopbackRequest } from './access.js'
import type { OrdersDb } from './db/client.js'
import type { DatabaseHealth } from './db/health.js'
import { faultsPlugin } from './faults.js'
import { howToPage } from './how-to.js'
import { clientErrorProblem, frameworkErrorProblem, installProblemHandlers, sendProblem } from './problem.js'
import { contactRoutes } from './routes/contacts.js'
import { menuRoutes } from './routes/menu.js'
import { orderItemRoutes } from './routes/order-items.js'
import { orderRoutes } from './routes/orders.js'
import { COMPONENT_SCHEMAS } from './schemas/components.js'
import { ContactService } from './services/contact-service.js'
import { MenuService } from './services/menu-service.js'
import { OrderService } from './services/order-service.js'

export interface BuildAppOptions {
  /** Drizzle database (PGlite or node-postgres), already migrated. Closing it is the caller's job. */
  db: OrdersDb
  /** Serves /ws/broadcast and publishes every committed change. Closed with the app. */
  backend: WebSocketBroadcastBackend
  /**
   * When broadcasts leave. Default: after commit, through `backend`. The benchmark passes
   * `noBroadcastDispatch` to measure the same routes without broadcast.
   */
  dispatch?: BroadcastDispatch
  /** Test hook, off by default: honour the `X-Test-Fault` header on mutations (see faults.ts). */
  faults?: boolean
  /**
   * Outages of `db`, logged once each (`Database.health`, shared with its pool). Default: a
   * tracker of its own that logs through the app's logger.
   */
  health?: DatabaseHealth
  /**
   * The outbox relay that publishes broadcasts their instance committed but never sent (it died,
   * or its publish failed): `graceMs` after the commit, looking every `intervalMs` (defaults 2000
   * and 1000, so within about 3 s). `false` runs none (a test that wants to see the orphan).
   */
  relay?: { graceMs?: number; intervalMs?: number; retentionMs?: number } | false
  /**
   * Test hook for the crash window (issue 16), off by default: this instance waits this long after
   * each commit before publishing its broadcasts, so a test can kill it in between.
   */
  publishDelayMs?: number
  /**
   * Who may use the API (access.ts): a token, and whether this machine's own requests to a loopback
   * host name need none. Default: no token, everyone (what tests use; `npm start` sets one).
   */
  access?: Access
  /**
   * Requests per client address per window (@fastify/rate-limit), over which the answer is 429 with
   * Retry-After. Default 1200 per minute; `false` turns it off (load tests from one address).
   * `exemptLoopback`: this machine's own requests to a loopback host name are not counted (the
   * limit guards the network; `npm start` sets it).
   */
  rateLimit?: { max: number; timeWindowMs: number; exemptLoopback?: boolean } | false
  /** Fastify logger: `true`, options such as `{ level: 'error' }`, or off (default). */
  logger?: FastifyServerOptions['logger']
  /**
   * A built web app (a directory with index.html) to serve at `/`; API routes take precedence.
   * Without it, `/` shows a short how-to.
   */
  webDir?: string
}

/** The Orders API as a Fastify instance (not listening): main.ts listens, tests listen on port 0. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { db, backend } = options
  const app = Fastify({
    logger: options.logger ?? false,
    // Unknown fields and wrong types are errors (400), never silently dropped or coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // Refusals before any route runs are problem+json too (414, 431, bad URLs, unparsable HTTP).
    frameworkErrors: frameworkErrorProblem,
    clientErrorHandler: clientErrorProblem,
  })
  installProblemHandlers(app, options.health)
  if (options.rateLimit !== false) {
    const { max, timeWindowMs, exemptLoopback } = options.rateLimit ?? { max: 1200, timeWindowMs: 60_000 }
    await app.register(rateLimit, {
      max,
      timeWindow: timeWindowMs,
      ...(exemptLoopback ? { allowList: (request: FastifyRequest) => isLoopbackRequest(request.raw) } : {}),
      // Becomes a problem+json 429 through the error handler; the plugin adds Retry-After.
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        code: 'rate-limited',
        message: `more than ${context.max} requests in ${context.after}; retry after it`,
      }),
    })
  }
  installAccess(app, options.access ?? { token: undefined, trustLoopback: true })
  // The API speaks JSON only: any other body is 415, not a string that fails validation later.
  app.removeContentTypeParser('text/plain')
  for (const schema of COMPONENT_SCHEMAS) app.addSchema(schema)

  const xSync = createXSync()
  await app.register(xSync.plugin)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Orders API',
        version: '0.1.0',
        description:
          'The sales-patterns Order of SYNC-012: optimistic mutations plus broadcast invalidation on /ws/broadcast. ' +
          'Money is integer cents. Errors are application/problem+json (RFC 9457).',
      },
      tags: [
        { name: 'orders', description: 'Orders and their items (channel `order`)' },
        { name: 'contacts', description: 'Customers (channel `contact`)' },
        { name: 'menu', description: 'Read-only menu' },
      ],
    },
    // Components keep their $id as name: #/components/schemas/Order, not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transformObject: xSync.transformObject,
  })

  await app.register(broadcastPlugin, { backend, path: DEFAULT_BROADCAST_PATH })
  // Idempotency-Key on POST: keys in the idempotency_keys table, refusals in the app's problem format.
  await app.register(idempotencyPlugin, {
    store: drizzleIdempotencyStore({ db }),
    sendProblem: (reply, request, { status, ...problem }) => sendProblem(reply, request, status, problem),
  })
  if (options.faults === true) await app.register(faultsPlugin)

  // Every broadcast goes through the broadcast log (outbox and history), written in the change's
  // own transaction: published at once after commit by this instance, and by the relay of whichever
  // instance is alive if this one dies first.
  const delay = options.publishDelayMs ?? 0
  const target: BroadcastTarget =
    delay > 0
      ? {
          broadcast: async (...args) => {
            await new Promise((resolve) => setTimeout(resolve, delay))
            return backend.broadcast(...args)
          },
        }
      : backend
  const uow = new UnitOfWork({
    db,
    dispatch:
      options.dispatch ??
      outboxDispatch(target, {
        db,
        onError: (error) => app.log.error({ err: error }, 'broadcast failed'),
      }),
  })
  if (options.relay !== false) {
    const relay = new BroadcastOutboxRelay({
      db,
      target: backend,
      ...options.relay,
      logger: {
        warn: (message) => app.log.warn(message),
        info: (message) => app.log.info(message),
        error: (message, error) => app.log.error({ err: error }, message),
      },
    }).start()
    app.addHook('preClose', () => relay.stop())
  }
  const orders = new OrderService(uow)
  await app.register(orderRoutes, { orders })
  await app.register(orderItemRoutes, { orders })
  await app.register(contactRoutes, { contacts: new ContactService(uow) })
  await app.register(menuRoutes, { menu: new MenuService(db) })

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger())
  if (options.webDir) {
    await app.register(fastifyStatic, { root: options.webDir, wildcard: true })
  } else {
    app.get('/', { schema: { hide: true } }, (_request, reply) => reply.type('text/html').send(howToPage()))
  }
  return app
}
