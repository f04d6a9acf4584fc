import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect, type Socket } from 'node:net'
import {
  WebSocketBroadcastBackend,
  type WebSocketBroadcastBackendOptions,
} from '@pattern-stack/backend-patterns/broadcast'
import { encodeClientFrame } from '@pattern-stack/sync-protocol'
import WebSocket from 'ws'

export interface TestServer {
  backend: WebSocketBroadcastBackend
  server: Server
  /** `ws://127.0.0.1:<port>/ws/broadcast` */
  url: string
  port: number
  close(): Promise<void>
}

/** A real HTTP server on loopback with the backend attached at /ws/broadcast. */
export async function startServer(options: WebSocketBroadcastBackendOptions = {}): Promise<TestServer> {
  const backend = new WebSocketBroadcastBackend(options)
  const server = createServer((_, response) => response.end('plain http\n'))
  backend.attach(server, { path: '/ws/broadcast' })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    backend,
    server,
    port,
    url: `ws://127.0.0.1:${port}/ws/broadcast`,
    async close() {
      await backend.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

// biome-ignore lint/suspicious/noExplicitAny: frames are checked field by field in the tests
export type Frame = Record<string, any>

/**
 * A real `ws` client that records every frame it receives (JSON-decoded) and every way it can end.
 */
export class TestClient {
  readonly frames: Frame[] = []
  readonly ws: WebSocket
  readonly opened: Promise<void>
  readonly closed: Promise<{ code: number; reason: string }>
  private waiters: { predicate: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = []
  private cursor = 0

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, { perMessageDeflate: false, ...options })
    this.opened = once(this.ws, 'open').then(() => undefined)
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }))
    })
    this.ws.on('error', () => {}) // surfaced through `closed` / `opened`
    this.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame
      this.frames.push(frame)
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(frame)) return true
        w.resolve(frame)
        return false
      })
    })
  }

  static async connect(url: string, options?: WebSocket.ClientOptions): Promise<TestClient> {
    const client = new TestClient(url, options)
    await client.next((f) => 'welcome' in f)
    return client
  }

  get id(): string {
    const welcome = this.frames.find((f) => 'welcome' in f)
    return welcome?.welcome.connection_id
  }

  /** Frames received so far that are events. */
  get events(): Frame[] {
    return this.frames.filter((f) => 'event' in f)
  }

  /** The next frame (after the previous `next`) matching `predicate`, waiting if needed. */
  next(predicate: (f: Frame) => boolean = () => true): Promise<Frame> {
    for (let i = this.cursor; i < this.frames.length; i++) {
      const frame = this.frames[i] as Frame
      if (predicate(frame)) {
        this.cursor = i + 1
        return Promise.resolve(frame)
      }
    }
    return new Promise((resolve) => {
      this.waiters.push({
        predicate,
        resolve: (frame) => {
          this.cursor = this.frames.length
          resolve(frame)
        },
      })
    })
  }

  sendRaw(data: string | Buffer, options?: { binary?: boolean }): void {
    this.ws.send(data, options ?? {})
  }

  send(frame: Parameters<typeof encodeClientFrame>[0]): void {
    this.ws.send(encodeClientFrame(frame))
  }

  /** Subscribes and resolves with the ack. */
  async subscribe(...channels: string[]): Promise<Frame> {
    this.send({ subscribe: channels })
    return this.next((f) => 'subscribed' in f)
  }

  async unsubscribe(...channels: string[]): Promise<Frame> {
    this.send({ unsubscribe: channels })
    return this.next((f) => 'unsubscribed' in f)
  }

  /** Sends a ping and waits for its pong: every frame the server sent before it has arrived. */
  async roundTrip(): Promise<void> {
    const n = Math.floor(Math.random() * 1e9)
    this.send({ ping: n })
    await this.next((f) => f.pong === n)
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return
    this.ws.close()
    await this.closed
  }
}

/** Polls `condition` until it holds (for state the server changes after a socket event). */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * A raw TCP client that completes the WebSocket upgrade and then does nothing at all: never reads
 * a frame on purpose, never answers pings or close frames (a half-open or frozen peer).
 */
export async function rawUpgrade(port: number, path = '/ws/broadcast'): Promise<Socket> {
  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  )
  const [chunk] = (await once(socket, 'data')) as [Buffer]
  if (!chunk.toString('latin1').startsWith('HTTP/1.1 101')) {
    throw new Error(`upgrade refused: ${chunk.toString('latin1').split('\r\n')[0]}`)
  }
  socket.pause()
  return socket
}
