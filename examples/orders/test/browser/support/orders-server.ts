import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import type { BroadcastDispatch } from '@pattern-stack/backend-patterns/events'
import type { FastifyInstance } from 'fastify'
import { broadcastAuthenticate } from '../../../server/access.js'
import { buildApp } from '../../../server/app.js'
import { type Database, openDatabase } from '../../../server/db/client.js'
import { seedIfEmpty } from '../../../server/seed.js'
import { DIST_DIR } from '../../../web/build.js'

export interface RunningServer {
  app: FastifyInstance
  /** The broadcast backend, to count the connections the server holds. */
  backend: WebSocketBroadcastBackend
  database: Database
  port: number
  baseUrl: string
  /** Stops the server and closes its database, like killing the process. */
  close(): Promise<void>
}

export interface OrdersServerOptions {
  /** PGlite's data directory. */
  dataDir: string
  /** A Postgres URL: use it instead of PGlite, as `npm start` does with DATABASE_URL. */
  databaseUrl?: string
  /** `port` 0 (default) picks a free one; a restart passes the old port. */
  port?: number
  /** Replaces the default after-commit dispatch, e.g. to stamp commits (bench:e2e-browser). */
  dispatch?: (backend: WebSocketBroadcastBackend) => BroadcastDispatch
}

/**
 * The real Orders server as `npm start` runs it (PGlite in `dataDir` or Postgres at `databaseUrl`,
 * in-memory broadcast, the built web app at /), on loopback.
 */
export async function startOrdersServer(options: OrdersServerOptions): Promise<RunningServer> {
  const database = await openDatabase({ dataDir: options.dataDir, databaseUrl: options.databaseUrl })
  await database.migrate()
  await seedIfEmpty(database.db)
  // Safe by default, as `npm start` on the network: a token (this machine's loopback needs none),
  // the broadcast only for the app's own origin, the HTTP rate limit on for the network.
  const access = { token: randomBytes(18).toString('base64url'), trustLoopback: true }
  const backend = new WebSocketBroadcastBackend({ authenticate: broadcastAuthenticate(access) })
  const app = await buildApp({
    db: database.db,
    backend,
    access,
    // As npm start: this machine's own requests are not rate limited (benchmarks drive it hard).
    rateLimit: { max: 1200, timeWindowMs: 60_000, exemptLoopback: true },
    webDir: DIST_DIR,
    ...(options.dispatch ? { dispatch: options.dispatch(backend) } : {}),
  })
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return {
    app,
    backend,
    database,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close()
      await database.close()
    },
  }
}
