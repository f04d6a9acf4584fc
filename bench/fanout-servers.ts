/**
 * The three fan-out servers bench:fanout compares, each on its own Node HTTP server, each
 * broadcasting the same signal to every subscriber of one channel/room.
 */
import { once } from 'node:events'
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import { Server as SocketIOServer } from 'socket.io'
import { type WebSocket, WebSocketServer } from 'ws'

export type Implementation = 'sync-patterns' | 'socket.io' | 'plain-ws'
export const IMPLEMENTATIONS: readonly Implementation[] = ['sync-patterns', 'socket.io', 'plain-ws']

export const CHANNEL = 'bench'
export const payloadFor = (seq: number) => ({ entity_id: String(seq), seq })

export interface FanoutServer {
  readonly implementation: Implementation
  readonly url: string
  /** Sends one broadcast to every subscriber. */
  broadcast(seq: number): void | Promise<void>
  close(): Promise<void>
}

async function listen(server: HttpServer): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

async function closeHttp(server: HttpServer): Promise<void> {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

/** Ours: one encode, one prebuilt WebSocket frame, per-tick corked writes. */
async function syncPatterns(): Promise<FanoutServer> {
  const http = createServer()
  // Load clients connect in bulk from one address; the per-connection limits are not what is measured.
  const backend = new WebSocketBroadcastBackend({
    closeTimeoutMs: 100,
    maxConnections: 1_000_000,
    maxConnectionsPerAddress: 1_000_000,
  })
  backend.attach(http, { path: '/ws/broadcast' })
  const port = await listen(http)
  return {
    implementation: 'sync-patterns',
    url: `ws://127.0.0.1:${port}/ws/broadcast`,
    broadcast: (seq) => backend.broadcast(CHANNEL, 'tick', payloadFor(seq)),
    async close() {
      await backend.close()
      await closeHttp(http)
    },
  }
}

/** Socket.IO 4: room emit, websocket transport only (its adapter also prebuilds the frame). */
async function socketIO(): Promise<FanoutServer> {
  const http = createServer()
  const io = new SocketIOServer(http, {
    transports: ['websocket'],
    perMessageDeflate: false,
    serveClient: false,
  })
  io.on('connection', (socket) => {
    socket.on('join', (room: unknown, ack: unknown) => {
      if (typeof room === 'string') void socket.join(room)
      if (typeof ack === 'function') ack('ok')
    })
  })
  const port = await listen(http)
  return {
    implementation: 'socket.io',
    url: `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`,
    broadcast: (seq) => {
      io.to(CHANNEL).emit('tick', { channel: CHANNEL, event: 'tick', payload: payloadFor(seq) })
    },
    async close() {
      await new Promise<void>((resolve) => io.close(() => resolve()))
      await closeHttp(http).catch(() => {})
    },
  }
}

/** The baseline everyone writes first: for each subscriber, ws.send(JSON.stringify(frame)). */
async function plainWs(): Promise<FanoutServer> {
  const http = createServer()
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false })
  const subscribers = new Set<WebSocket>()
  wss.on('connection', (ws) => {
    ws.on('message', () => {
      subscribers.add(ws)
      ws.send(JSON.stringify({ subscribed: [CHANNEL] }))
    })
    ws.on('close', () => subscribers.delete(ws))
  })
  const port = await listen(http)
  return {
    implementation: 'plain-ws',
    url: `ws://127.0.0.1:${port}/`,
    broadcast: (seq) => {
      const frame = { channel: CHANNEL, event: 'tick', payload: payloadFor(seq) }
      for (const ws of subscribers) ws.send(JSON.stringify(frame))
    },
    async close() {
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      await closeHttp(http)
    },
  }
}

export function startFanoutServer(implementation: Implementation): Promise<FanoutServer> {
  switch (implementation) {
    case 'sync-patterns':
      return syncPatterns()
    case 'socket.io':
      return socketIO()
    case 'plain-ws':
      return plainWs()
  }
}
