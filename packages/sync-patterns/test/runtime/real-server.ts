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
  close(): Promise<void>
}

/**
 * The real broadcast backend on a real HTTP server on loopback, plus a tiny API:
 * `GET /orders/:id` returns a version counter, `POST /orders/:id` bumps it and broadcasts
 * `order.updated` with the connection the request's `X-Broadcast-Origin` proves as `origin` (as a real API does), before
 * answering, or `broadcastDelayMs` after answering.
 */
export async function startRealServer(
  port = 0,
  { broadcastDelayMs }: { broadcastDelayMs?: number } = {},
): Promise<RealServer> {
  const versions = new Map<string, number>()
  const backend = new WebSocketBroadcastBackend({ heartbeatMs: 30_000 })
  const hits = new Map<string, number>()
  const requests: string[] = []
  const http = createServer((request: IncomingMessage, response) => {
    const path = (request.url ?? '').split('?')[0] ?? ''
    hits.set(`${request.method} ${path}`, (hits.get(`${request.method} ${path}`) ?? 0) + 1)
    requests.push(`${request.method} ${path}`)
    const match = /^\/orders\/([^/]+)$/.exec(path)
    if (!match?.[1]) {
      response.writeHead(404).end()
      return
    }
    const id = match[1]
    if (request.method === 'POST') {
      versions.set(id, (versions.get(id) ?? 0) + 1)
      const origin = backend.verifyOrigin(request.headers[ORIGIN_HEADER.toLowerCase()])
      const broadcast = () =>
        backend.broadcast('order', 'updated', { entity_id: id }, origin === undefined ? {} : { origin })
      const respond = () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      if (broadcastDelayMs === undefined) {
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
    async close() {
      await backend.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}
