import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import { ORIGIN_HEADER } from '@pattern-stack/sync-protocol'

export interface RealServer {
  backend: WebSocketBroadcastBackend
  http: Server
  port: number
  url: string
  /** HTTP requests per path, for counting refetches. */
  hits: Map<string, number>
  /** Every HTTP request as it arrived (`GET /orders/1`), for the order of refetches. */
  requests: string[]
  /** With `holdBroadcasts`: sends the broadcasts held so far, in order. */
  releaseBroadcasts(): Promise<void>
  close(): Promise<void>
}

/**
 * The real broadcast backend on a real HTTP server on loopback, plus a tiny API:
 * `GET /orders/:id` returns `{id, version}` (a version counter), `GET /orders` every order so far,
 * `POST /orders/:id` bumps the version, answers the changed order and broadcasts `order.updated`
 * with the connection the request's `X-Broadcast-Origin` proves as `origin` (as a real API does),
 * before answering, or `broadcastDelayMs` after answering. `announceVersions` puts the order's new
 * version into the broadcast (`entity_version`), as a unit of work that knows it does.
 * `holdBroadcasts` answers at once and keeps the broadcasts until `releaseBroadcasts()` (an outbox
 * whose relay the test drives), so a test decides what a client has when a broadcast arrives.
 */
export async function startRealServer(
  port = 0,
  {
    broadcastDelayMs,
    announceVersions = false,
    holdBroadcasts = false,
  }: { broadcastDelayMs?: number; announceVersions?: boolean; holdBroadcasts?: boolean } = {},
): Promise<RealServer> {
  const held: (() => Promise<unknown>)[] = []
  const versions = new Map<string, number>()
  const backend = new WebSocketBroadcastBackend({ heartbeatMs: 30_000 })
  const hits = new Map<string, number>()
  const requests: string[] = []
  const http = createServer((request: IncomingMessage, response) => {
    const path = (request.url ?? '').split('?')[0] ?? ''
    hits.set(`${request.method} ${path}`, (hits.get(`${request.method} ${path}`) ?? 0) + 1)
    requests.push(`${request.method} ${path}`)
    if (path === '/orders' && request.method === 'GET') {
      const list = [...versions].map(([id, version]) => ({ id, version }))
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list))
      return
    }
    const match = /^\/orders\/([^/]+)$/.exec(path)
    if (!match?.[1]) {
      response.writeHead(404).end()
      return
    }
    const id = match[1]
    if (request.method === 'POST') {
      const version = (versions.get(id) ?? 0) + 1
      versions.set(id, version)
      const origin = backend.verifyOrigin(request.headers[ORIGIN_HEADER.toLowerCase()])
      const payload = announceVersions ? { entity_id: id, entity_version: version } : { entity_id: id }
      const broadcast = () =>
        backend.broadcast('order', 'updated', payload, origin === undefined ? {} : { origin })
      const respond = () =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, version }))
      if (holdBroadcasts) {
        held.push(broadcast)
        respond()
      } else if (broadcastDelayMs === undefined) {
        void broadcast().then(respond)
      } else {
        // Like an outbox or a slow fan-out engine: the answer first, the broadcast later.
        respond()
        setTimeout(() => void broadcast(), broadcastDelayMs)
      }
      return
    }
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end(JSON.stringify({ id, version: versions.get(id) ?? 0 }))
  })
  backend.attach(http, { path: '/ws/broadcast' })
  http.listen(port, '127.0.0.1')
  await once(http, 'listening')
  await backend.ready()
  const actualPort = (http.address() as AddressInfo).port
  return {
    backend,
    http,
    port: actualPort,
    url: `ws://127.0.0.1:${actualPort}/ws/broadcast`,
    hits,
    requests,
    async releaseBroadcasts() {
      for (const broadcast of held.splice(0)) await broadcast()
    },
    async close() {
      await backend.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}
