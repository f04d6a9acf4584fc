/**
 * The server process of bench:tabs: a WebSocketBroadcastBackend on loopback, run with
 * --expose-gc. Prints `{"port": N}`; then answers each stdin line with one JSON line:
 * `measure` → open connections, subscribers of `order`, and the heap and RSS after a full GC;
 * `broadcast` → broadcasts one event on `order` and says when (ms since the epoch) it started.
 */
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'

const backend = new WebSocketBroadcastBackend({
  heartbeatMs: 30_000,
  maxConnections: 30_000,
  maxConnectionsPerAddress: 30_000,
  subscribeTimeoutMs: 3_600_000,
})
const server = createServer((_request, response) => response.writeHead(404).end())
backend.attach(server, { path: '/ws/broadcast' })
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 }))
})

const gc = (globalThis as { gc?: () => void }).gc
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'measure') {
    gc?.()
    gc?.()
    const memory = process.memoryUsage()
    console.log(
      JSON.stringify({
        connections: backend.getTotalConnections(),
        subscribers: backend.getSubscriberCount('order'),
        heapUsed: memory.heapUsed,
        rss: memory.rss,
      }),
    )
  } else if (line === 'broadcast') {
    const at = performance.timeOrigin + performance.now()
    await backend.broadcast('order', 'updated', { entity_id: '1' })
    console.log(JSON.stringify({ at }))
  }
}
