import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Logger } from '@pattern-stack/sync-protocol'
import { CloseCode, encodeServerFrame, type ServerFrame } from '@pattern-stack/sync-protocol'
import WebSocket from 'ws'
import type { BroadcastConnectionInfo } from './options.js'
import { RateLimiter } from './rate-limiter.js'
import { SerialQueue } from './serial-queue.js'
import type { Uncorkable, WriteCoalescer } from './write-coalescer.js'

export interface ConnectionSettings {
  maxBufferedBytes: number
  maxMessagesPerSecond: number
  closeTimeoutMs: number
  coalescer: WriteCoalescer
  onError: (connection: BroadcastConnection, error: unknown) => void
  logger: Logger
}

/** Connection ids: `c_` + 16 url-safe random characters. */
export function newConnectionId(): string {
  return `c_${randomBytes(12).toString('base64url')}`
}

/**
 * One client of the broadcast endpoint. Owns the write path to its socket: control frames go
 * through `ws.send`, broadcasts as prebuilt frames straight onto the socket (or through `ws.send`
 * when ws has no `Sender.frame`); all are plain synchronous socket writes (no permessage-deflate,
 * so ws never queues), so they keep their order.
 */
export class BroadcastConnection implements BroadcastConnectionInfo, Uncorkable {
  readonly id = newConnectionId()
  readonly channels = new Set<string>()
  /** Inbound frames, handled one after another. */
  private readonly inbound = new SerialQueue()
  readonly rateLimiter: RateLimiter
  /** Answered the last heartbeat ping. */
  alive = true
  private corked = false
  /** Tick (WriteCoalescer id) of this connection's last broadcast write. */
  private lastWriteTick = -1
  private closeTimer: NodeJS.Timeout | null = null
  private subscribeTimer: NodeJS.Timeout | null = null

  constructor(
    readonly ws: WebSocket,
    private readonly socket: Socket,
    /** Only what is needed from the upgrade request: the request itself is not kept. */
    readonly headers: IncomingMessage['headers'],
    readonly remoteAddress: string | undefined,
    readonly user: object | undefined,
    private readonly settings: ConnectionSettings,
    /** What this connection counts against for `maxConnectionsPerAddress`. */
    readonly address: string,
  ) {
    this.rateLimiter = new RateLimiter(settings.maxMessagesPerSecond)
  }

  /** The socket closed: no close or subscribe timeout is needed any more. */
  closed(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer)
    this.closeTimer = null
    this.subscribed()
  }

  /** Runs `task` after the connection's earlier inbound frames (and hooks) are done. */
  inOrder(task: () => void | Promise<void>): void {
    this.inbound.push(task, (error) => this.settings.onError(this, error))
  }

  /** Closes the connection with 4002 unless it subscribes to a channel within `ms`. */
  armSubscribeTimeout(ms: number): void {
    if (!Number.isFinite(ms)) return
    this.subscribeTimer = setTimeout(() => {
      this.subscribeTimer = null
      this.settings.logger.info?.(
        `broadcast connection ${this.id}: subscribed to nothing in ${ms} ms, closing`,
      )
      this.close(CloseCode.SUBSCRIBE_TIMEOUT, 'subscribed to no channel in time')
    }, ms)
    this.subscribeTimer.unref()
  }

  /** The connection subscribed to a channel: it is no longer at risk of the subscribe timeout. */
  subscribed(): void {
    if (this.subscribeTimer) clearTimeout(this.subscribeTimer)
    this.subscribeTimer = null
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  /**
   * Writes a broadcast: a prebuilt frame straight onto the socket, or (when ws offers no
   * `Sender.frame`) its text through `ws.send`. False when the connection is gone (the caller
   * drops it); a slow consumer is closed with 4009 instead of buffering more.
   */
  writeBroadcast(frame: Buffer | string): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false
    const socket = this.socket
    if (!socket.writable) {
      this.terminate()
      return false
    }
    const bytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length
    if (socket.writableLength + bytes > this.settings.maxBufferedBytes) {
      this.closeSlowConsumer()
      return false
    }
    const coalescer = this.settings.coalescer
    const tick = coalescer.writing()
    if (this.lastWriteTick !== tick) {
      this.lastWriteTick = tick // first frame this tick: straight out
    } else if (!this.corked) {
      this.corked = true // more in the same tick: hold them for one writev at the end of the tick
      socket.cork()
      coalescer.uncorkAtEndOfTick(this)
    }
    if (typeof frame === 'string') this.ws.send(frame)
    else socket.write(frame)
    return true
  }

  uncork(): void {
    this.corked = false
    this.socket.uncork()
  }

  /** Sends a control frame (welcome, acks, errors, pong, resync). */
  send(frame: ServerFrame): void {
    if (this.ws.readyState !== WebSocket.OPEN) return
    const text = encodeServerFrame(frame)
    if (this.socket.writableLength + text.length > this.settings.maxBufferedBytes) {
      this.closeSlowConsumer()
      return
    }
    this.ws.send(text)
  }

  /**
   * Starts the closing handshake; terminates the socket if it has not closed after
   * `closeTimeoutMs` (a peer that does not read never sees our close frame).
   */
  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason)
    }
    if (this.ws.readyState !== WebSocket.CLOSED && this.closeTimer === null) {
      this.closeTimer = setTimeout(() => {
        this.settings.logger.debug?.(
          `broadcast connection ${this.id}: closing handshake not finished in ${this.settings.closeTimeoutMs} ms, terminating`,
        )
        this.terminate()
      }, this.settings.closeTimeoutMs)
      this.closeTimer.unref()
    }
  }

  /** Resolves once the socket is closed, forcibly after `closeTimeoutMs`. */
  closeAndWait(code: number, reason: string): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()))
    this.close(code, reason)
    return closed
  }

  terminate(): void {
    this.ws.terminate()
  }

  private closeSlowConsumer(): void {
    this.close(CloseCode.SLOW_CONSUMER, 'slow consumer: too much unsent data')
  }
}
