import type { AddressInfo } from 'node:net'
import {
  OriginTokens,
  WebSocketBroadcastBackend,
  type WebSocketBroadcastBackendOptions,
} from '@pattern-stack/backend-patterns/broadcast'
import type { BroadcastDispatch } from '@pattern-stack/backend-patterns/events'
import { countSystemEvents, drizzleBroadcastHistory } from '@pattern-stack/backend-patterns/events'
import type { EventFrame } from '@pattern-stack/sync-protocol'
import type { FastifyInstance } from 'fastify'
import WebSocket from 'ws'
import type { Access } from '../server/access.js'
import { buildApp } from '../server/app.js'
import type { Database } from '../server/db/client.js'
import { type DatabaseKind, openTestDatabase } from './databases.js'

export interface TestServer {
  baseUrl: string
  wsUrl: string
  app: FastifyInstance
  database: Database
  backend: WebSocketBroadcastBackend
  /** SystemEvents written so far. */
  systemEventCount(): Promise<number>
  close(): Promise<void>
}

/** The `originSecret` of test servers, so a test can mint the token a connection id gets in `welcome`. */
export const TEST_ORIGIN_SECRET = 'orders-test-origin-secret-0123456789abcdef'

/** The `X-Broadcast-Origin` token a test server's `welcome` gives connection `id`. */
export function testOriginToken(id: string): string {
  return new OriginTokens(TEST_ORIGIN_SECRET).issue(id)
}

/** The real Orders API on a real database, listening on a free loopback port. */
export async function startServer(
  kind: DatabaseKind,
  options: {
    faults?: boolean
    webDir?: string
    dispatch?: BroadcastDispatch
    database?: Database
    /** `buildApp`'s rate limit (default: off here). */
    rateLimit?: { max: number; timeWindowMs: number; exemptLoopback?: boolean } | false
    /** `buildApp`'s access (default: open). */
    access?: Access
    /** Options of the broadcast backend (default: `originSecret: TEST_ORIGIN_SECRET`). */
    backendOptions?: WebSocketBroadcastBackendOptions
    /** Adds routes or hooks before the server listens. */
    beforeListen?: (
      app: FastifyInstance,
      database: Database,
      backend: WebSocketBroadcastBackend,
    ) => Promise<void>
  } = {},
): Promise<TestServer> {
  const database = options.database ?? (await openTestDatabase(kind))
  const backend = new WebSocketBroadcastBackend({
    originSecret: TEST_ORIGIN_SECRET,
    history: drizzleBroadcastHistory({ db: database.db }),
    ...options.backendOptions,
  })
  const app = await buildApp({
    db: database.db,
    health: database.health,
    backend,
    // Hundreds of requests a second from one address: the limit is tested on its own (security.test.ts).
    rateLimit: options.rateLimit ?? false,
    ...(options.access ? { access: options.access } : {}),
    ...(options.faults ? { faults: true } : {}),
    ...(options.webDir ? { webDir: options.webDir } : {}),
    ...(options.dispatch ? { dispatch: options.dispatch } : {}),
  })
  if (options.beforeListen) await options.beforeListen(app, database, backend)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws/broadcast`,
    app,
    database,
    backend,
    systemEventCount: () => countSystemEvents(database.db),
    close: async () => {
      await app.close()
      if (!options.database) await database.close()
    },
  }
}

export interface ApiResponse<T = unknown> {
  status: number
  headers: Headers
  body: T
  text: string
}

/** One HTTP request; `body` is sent as JSON unless `raw` is given. */
// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely
export async function api<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers }
  let body: string | undefined
  if (options.raw !== undefined) {
    body = options.raw
    headers['content-type'] ??= 'application/json'
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['content-type'] = 'application/json'
  }
  const response = await fetch(baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) })
  const text = await response.text()
  let parsed: unknown = text
  if (text && /json/.test(response.headers.get('content-type') ?? '')) parsed = JSON.parse(text)
  return { status: response.status, headers: response.headers, body: parsed as T, text }
}

/** A real `ws` client subscribed to channels, recording every event frame it receives. */
export class BroadcastWatcher {
  /** Event frames as received, without their `position` (kept in `positions`, same index). */
  readonly events: EventFrame[] = []
  readonly positions: (number | undefined)[] = []
  private waiters: (() => void)[] = []

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data))
      if (typeof frame.channel === 'string' && typeof frame.event === 'string') {
        const { position, ...event } = frame
        this.events.push(event as EventFrame)
        this.positions.push(position)
        for (const wake of this.waiters.splice(0)) wake()
      }
    })
  }

  static async open(wsUrl: string, channels: string[]): Promise<BroadcastWatcher> {
    const socket = new WebSocket(wsUrl)
    const watcher = new BroadcastWatcher(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.on('message', function onMessage(data) {
        const frame = JSON.parse(String(data))
        if (frame.welcome) socket.send(JSON.stringify({ subscribe: channels }))
        if (frame.subscribed) {
          socket.off('message', onMessage)
          resolve()
        }
        if (frame.error) reject(new Error(`subscribe refused: ${frame.error.message}`))
      })
    })
    return watcher
  }

  /** Resolves once `count` events arrived in total (rejects after `timeoutMs`). */
  async waitForCount(count: number, timeoutMs = 5000): Promise<EventFrame[]> {
    const deadline = Date.now() + timeoutMs
    while (this.events.length < count) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`expected ${count} broadcasts, got ${this.events.length}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return this.events
  }

  /**
   * Proves nothing more arrives: sends a marker broadcast through the same server after the
   * requests under test and waits for it; broadcasts are delivered in order, so anything the
   * earlier requests caused would have arrived first. Returns every event recorded (since `clear`).
   */
  async settle(backend: WebSocketBroadcastBackend, channel: string): Promise<EventFrame[]> {
    const marker = `settle-${Math.random().toString(36).slice(2)}`
    await backend.broadcast(channel, '__settle', { entity_id: marker })
    const deadline = Date.now() + 5000
    while (!this.events.some((e) => e.payload.entity_id === marker)) {
      if (Date.now() > deadline) throw new Error('settle marker never arrived')
      await new Promise((r) => setTimeout(r, 5))
    }
    const index = this.events.findIndex((e) => e.payload.entity_id === marker)
    this.events.splice(index, 1)
    this.positions.splice(index, 1)
    return [...this.events]
  }

  /**
   * Waits until every broadcast caused so far has arrived (an HTTP response can overtake the
   * broadcast it caused, which travels on another socket), then forgets them.
   */
  async reset(backend: WebSocketBroadcastBackend, channel = 'order'): Promise<void> {
    await this.settle(backend, channel)
    this.events.length = 0
    this.positions.length = 0
  }

  close() {
    this.socket.close()
  }
}
