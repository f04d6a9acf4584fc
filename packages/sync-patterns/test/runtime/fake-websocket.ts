import type { WebSocketConstructor, WebSocketLike } from '../../src/runtime/core/types.js'

/**
 * A scripted stand-in for the platform's WebSocket, for fake-timer unit tests of the client's state
 * machine (real sockets cannot run on fake time). Integration tests use real sockets and the real server.
 */
export class FakeSocket implements WebSocketLike {
  readyState = 0
  readonly sent: unknown[] = []
  closedWith: number | undefined
  onopen: ((event: never) => void) | null = null
  onmessage: ((event: never) => void) | null = null
  onclose: ((event: never) => void) | null = null
  onerror: ((event: never) => void) | null = null

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open')
    this.sent.push(JSON.parse(data))
  }

  close(code?: number): void {
    this.closedWith = code
    this.readyState = 3
  }

  // ── what the "server" does ──
  open(): void {
    this.readyState = 1
    ;(this.onopen as ((event: unknown) => void) | null)?.({})
  }
  receive(data: unknown): void {
    ;(this.onmessage as ((event: unknown) => void) | null)?.({ data })
  }
  receiveFrame(frame: unknown): void {
    this.receive(JSON.stringify(frame))
  }
  drop(code = 1006, reason = ''): void {
    this.readyState = 3
    ;(this.onclose as ((event: unknown) => void) | null)?.({ code, reason })
  }
}

/** A WebSocket constructor that records every socket it creates. */
export function fakeWebSocket(): {
  WebSocket: WebSocketConstructor
  sockets: FakeSocket[]
  last(): FakeSocket
} {
  const sockets: FakeSocket[] = []
  class Socket extends FakeSocket {
    constructor(url: string) {
      super(url)
      sockets.push(this)
    }
  }
  return {
    WebSocket: Socket,
    sockets,
    last() {
      const socket = sockets.at(-1)
      if (!socket) throw new Error('no socket was created')
      return socket
    },
  }
}

/** A logger that keeps what it was told. */
export function recordingLogger(): {
  debug: string[]
  warn: string[]
  logger: { debug(m: string): void; warn(m: string): void }
} {
  const debug: string[] = []
  const warn: string[] = []
  return { debug, warn, logger: { debug: (m) => debug.push(m), warn: (m) => warn.push(m) } }
}
