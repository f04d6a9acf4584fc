import {
  assertChannelName,
  backoffDelay,
  type ClientFrame,
  CloseCode,
  decodeServerFrame,
  encodeClientFrame,
  isErrorFrame,
  isEventFrame,
  isRecoveredFrame,
  isResyncFrame,
  isSubscribedFrame,
  isWelcomeFrame,
  parseRestartReason,
  type RecoveredFrame,
  type ServerFrame,
  type WelcomeFrame,
} from '@pattern-stack/sync-protocol'
import { focusManager, onlineManager } from '@tanstack/query-core'
import { consoleLogger, type Logger } from './logger.js'
import { PositionTracker } from './position-tracker.js'
import { RestartReconnectPlan } from './reconnect-plan.js'
import { tabSharedWebSocket } from './shared-socket.js'
import type { TabLockManager } from './tab-leader.js'
import type {
  BroadcastEvent,
  BroadcastEventMessage,
  BroadcastHandler,
  BroadcastResyncMessage,
  BrowserSignals,
  ConnectionState,
  StateListener,
  WebSocketConstructor,
  WebSocketLike,
} from './types.js'

export interface BroadcastClientOptions {
  /** Reconnect attempts after a drop before giving up in state `'disconnected'` (default 10; `Infinity` never gives up). */
  maxReconnectAttempts?: number
  /** Scale of the first reconnect delay in ms (default 1000); it doubles per attempt, with full jitter. */
  reconnectDelay?: number
  /** Cap of any reconnect delay in ms (default 30000). */
  maxReconnectDelay?: number
  /** A connection open this long (ms, default 5000) counts as stable: backoff starts again from the first step. */
  stableAfterMs?: number
  /**
   * After giving up (state `'disconnected'`), one quiet attempt about every this many ms (default
   * 60000, jittered to between half and all of it), so an unattended display recovers by itself once
   * the server is back. The state stays `'disconnected'` until an attempt connects. `Infinity` never
   * retries (the spec's behaviour: only `connect()`, `online` or a visible tab start again).
   */
  retryAfterGiveUpMs?: number
  /**
   * An attempt whose socket has not opened after this many ms (default 10000) counts as failed, and
   * the first one logs a warning naming the URL: a wrong path or an unanswered upgrade must not
   * leave the client in `'connecting'` for ever. `Infinity` waits as long as the platform does.
   */
  connectTimeoutMs?: number
  /** How long to wait for the answer to an app-level ping before treating the socket as dead (ms; default min(heartbeat, 10000)). */
  pongTimeoutMs?: number
  /**
   * How long after opening to wait for a `welcome` frame before treating the server as spec-only
   * (ms, default 1000). Only matters for the resync after a reconnect: our server acknowledges
   * subscriptions, so the resync waits for the acknowledgement; a spec-only server never does.
   */
  welcomeTimeoutMs?: number
  /**
   * With a server that keeps a history: how long a missing position may stay missing while later
   * ones arrived (ms, default 1000) before the client asks `recover` from the last position it has
   * everything up to. Broadcasts from several instances may arrive out of order, so a gap is not a
   * loss at once; one that stays means a broadcast was lost on the way. `Infinity`: never ask.
   */
  gapGraceMs?: number
  /** WebSocket implementation; defaults to the global one. In Node 20 pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor
  /**
   * One connection per browser instead of one per tab (default `true`): the tabs of this origin
   * that connect to the same URL elect a leader (Web Locks) whose tab holds the only WebSocket and
   * relays each tab its own frames (`BroadcastChannel`); see the runtime README, "One connection
   * per browser". Where Web Locks or `BroadcastChannel` are missing (Node, old browsers) each client
   * has its own socket, as with `false`.
   */
  shareAcrossTabs?: boolean
  /** The Web Locks implementation for `shareAcrossTabs`; by default `navigator.locks`. */
  locks?: TabLockManager
  /**
   * Where "the network is back" and "the app is in front again" come from: by default TanStack
   * Query's `onlineManager` and `focusManager` (the browser's `online`/`offline` and
   * `visibilitychange`; point them elsewhere, say in React Native, with their `setEventListener`).
   * `false` ignores both.
   */
  signals?: BrowserSignals | false
  /** Randomness for the jitter, in [0, 1). */
  random?: () => number
  logger?: Logger
}

const OPEN = 1

interface Subscription {
  handler: BroadcastHandler
}

function checkNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  allowInfinity = false,
): number {
  if (value === undefined) return fallback
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < 0 ||
    (!allowInfinity && !Number.isFinite(value))
  ) {
    throw new TypeError(`${name} must be a non-negative number, got ${String(value)}`)
  }
  return value
}

/** setTimeout's limit: a longer delay fires at once (with a warning) instead of never. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** A timer's interval: positive (0 would be a busy loop or an attempt that always fails), `Infinity` for never. */
function checkInterval(name: string, value: number | undefined, fallback: number): number {
  const checked = checkNumber(name, value, fallback, true)
  if (checked === 0) throw new TypeError(`${name} must be a positive number, got 0`)
  if (Number.isFinite(checked) && checked > MAX_TIMER_MS) {
    throw new TypeError(`${name} must be at most ${MAX_TIMER_MS} ms (or Infinity for never), got ${checked}`)
  }
  return checked
}

/** Resolves `url` to an absolute ws(s) URL; a path like `/ws/broadcast` is taken relative to the page. */
function resolveUrl(url: string): string {
  if (typeof url !== 'string' || url.length === 0) {
    throw new TypeError(`url must be a non-empty string, got ${JSON.stringify(url)}`)
  }
  const base = (globalThis as { location?: { href: string } }).location?.href
  let parsed: URL
  try {
    parsed = base === undefined ? new URL(url) : new URL(url, base)
  } catch {
    throw new TypeError(`url ${JSON.stringify(url)} is not a valid WebSocket URL`)
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:'
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:'
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(`url ${JSON.stringify(url)} must use ws: or wss: (or http:/https:)`)
  }
  return parsed.toString()
}

/**
 * One WebSocket to the broadcast endpoint, shared by every subscriber. Reconnects with exponential
 * backoff and full jitter (after a 4012 RESTARTING close: on the beat of the server's reconnect
 * window instead, reconnect-plan.ts), resubscribes and signals a resync after each reconnect, detects
 * half-open connections when the server announces a heartbeat, and ignores frames it does not
 * understand, except a broadcast on a subscribed channel that it cannot read: that channel gets a
 * resync (`reason: 'unreadable'`) and one warning. Works with the browser's WebSocket and with `ws`
 * in Node.
 */
export class BroadcastClient {
  readonly url: string
  readonly #options: Required<
    Pick<
      BroadcastClientOptions,
      | 'maxReconnectAttempts'
      | 'reconnectDelay'
      | 'maxReconnectDelay'
      | 'stableAfterMs'
      | 'welcomeTimeoutMs'
      | 'retryAfterGiveUpMs'
      | 'connectTimeoutMs'
      | 'gapGraceMs'
    >
  > & { pongTimeoutMs: number | undefined }
  readonly #WebSocket: WebSocketConstructor
  readonly #signals: BrowserSignals
  readonly #random: () => number
  readonly #logger: Logger

  #state: ConnectionState = 'disconnected'
  readonly #stateListeners = new Set<StateListener>()
  readonly #subscriptions = new Map<string, Set<Subscription>>()

  #socket: WebSocketLike | null = null
  #socketOpen = false
  /** Channels the current socket is subscribed to on the wire. */
  readonly #wireChannels = new Set<string>()
  #flushQueued = false

  /** The caller wants a connection (connect() called, disconnect() not). */
  #active = false
  /** Gave up after maxReconnectAttempts; the slow retry, `online`/`visible` or connect() start again. */
  #gaveUp = false
  #attempt = 0
  #everConnected = false
  /** The server closed with 4012 RESTARTING: quick attempts spread over its window (reconnect-plan.ts). */
  #restart: RestartReconnectPlan | undefined

  #connectionId: string | null = null
  /** The current socket's `welcome` (what the server supports), or `null`. */
  #welcome: WelcomeFrame['welcome'] | null = null
  /** Listeners of every decoded server frame (protocol additions in their own files, e.g. presence). */
  readonly #frameListeners = new Set<(frame: ServerFrame) => void>()
  #originToken: string | null = null
  #heartbeatMs = 0
  #lastTrafficAt = 0
  #pingSeq = 0
  #sawFirstFrame = false
  /** Channels that get a resync once the server acknowledges their subscription on this socket. */
  readonly #resyncPending = new Set<string>()
  /** The server announced a history (`welcome.history`): it answers `recover`. */
  #serverHistory = false
  /** Per channel, the positions seen; kept across reconnects, forgotten when the channel is left. */
  readonly #positions = new PositionTracker()
  /** Channels whose `recover` this socket sent and has not had answered. */
  readonly #recovering = new Set<string>()
  /** The channels of each `recover` sent on this socket and not answered yet, oldest first. */
  readonly #recoverRequests: string[][] = []
  /** Per channel with a missing position, the timer that asks `recover` if it stays missing. */
  readonly #gapTimers = new Map<string, ReturnType<typeof setTimeout>>()

  #reconnectTimer: ReturnType<typeof setTimeout> | undefined
  #stableTimer: ReturnType<typeof setTimeout> | undefined
  #heartbeatTimer: ReturnType<typeof setTimeout> | undefined
  #pongTimer: ReturnType<typeof setTimeout> | undefined
  #welcomeTimer: ReturnType<typeof setTimeout> | undefined
  #connectTimer: ReturnType<typeof setTimeout> | undefined
  #retryAfterGiveUpTimer: ReturnType<typeof setTimeout> | undefined
  /** Channels an unreadable broadcast was warned about (once each; repeats go to debug). */
  readonly #warnedUnreadable = new Set<string>()
  /** The connect-timeout warning is logged once until a connection opens; repeats go to debug. */
  #warnedConnectTimeout = false
  /** Stops listening to `signals`; set while connect() is in effect. */
  #detachSignals: (() => void) | undefined

  constructor(url: string, options: BroadcastClientOptions = {}) {
    this.url = resolveUrl(url)
    this.#options = {
      maxReconnectAttempts: checkNumber('maxReconnectAttempts', options.maxReconnectAttempts, 10, true),
      reconnectDelay: checkNumber('reconnectDelay', options.reconnectDelay, 1000),
      maxReconnectDelay: checkNumber('maxReconnectDelay', options.maxReconnectDelay, 30_000),
      stableAfterMs: checkNumber('stableAfterMs', options.stableAfterMs, 5000),
      welcomeTimeoutMs: checkNumber('welcomeTimeoutMs', options.welcomeTimeoutMs, 1000),
      retryAfterGiveUpMs: checkInterval('retryAfterGiveUpMs', options.retryAfterGiveUpMs, 60_000),
      connectTimeoutMs: checkInterval('connectTimeoutMs', options.connectTimeoutMs, 10_000),
      gapGraceMs: checkNumber('gapGraceMs', options.gapGraceMs, 1000, true),
      pongTimeoutMs:
        options.pongTimeoutMs === undefined
          ? undefined
          : checkNumber('pongTimeoutMs', options.pongTimeoutMs, 0),
    }
    const Implementation =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined
    if (typeof Implementation !== 'function') {
      throw new TypeError(
        'no WebSocket implementation: pass { WebSocket } in the options (in Node 20: `import WebSocket from "ws"`)',
      )
    }
    if (options.shareAcrossTabs !== undefined && typeof options.shareAcrossTabs !== 'boolean') {
      throw new TypeError(
        `shareAcrossTabs must be true or false, got ${JSON.stringify(options.shareAcrossTabs)}`,
      )
    }
    const shared =
      options.shareAcrossTabs === false
        ? undefined
        : tabSharedWebSocket(this.url, Implementation, {
            locks: options.locks,
            logger: options.logger ?? consoleLogger,
          })
    this.#WebSocket = shared ?? Implementation
    this.#signals =
      options.signals === false ? {} : (options.signals ?? { online: onlineManager, focus: focusManager })
    this.#random = options.random ?? Math.random
    this.#logger = options.logger ?? consoleLogger
  }

  /** Current connection state. */
  get state(): ConnectionState {
    return this.#state
  }

  /** This connection's id from the server's `welcome`, or `null` (not connected, or a spec-only server). */
  get connectionId(): string | null {
    return this.#connectionId
  }

  /** The current connection's `welcome` (e.g. `presence: true`), or `null` (not connected, or a spec-only server). */
  get welcome(): WelcomeFrame['welcome'] | null {
    return this.#welcome
  }

  /**
   * Every frame the server sends, decoded, after the client itself handled it: the hook for
   * protocol additions that live in their own files (presence-client.ts). A listener that throws is
   * logged. Returns the unsubscribe function.
   */
  onFrame(listener: (frame: ServerFrame) => void): () => void {
    this.#frameListeners.add(listener)
    return () => {
      this.#frameListeners.delete(listener)
    }
  }

  /** Sends `frame` on the open connection: `false` (nothing sent, nothing queued) when there is none. */
  sendFrame(frame: ClientFrame): boolean {
    if (!this.#socketOpen || this.#socket === null) return false
    this.#send(frame)
    return true
  }

  /**
   * The secret proof of this connection from the server's `welcome` (`origin_token`), sent as
   * `X-Broadcast-Origin`; `null` when not connected or the server sent none. Never shown to others.
   */
  get originToken(): string | null {
    return this.#originToken
  }

  /**
   * Per channel, the position up to which this client has seen every change (from a server with
   * history; a channel without one is left out). Sent in `recover` after a reconnect.
   */
  get positions(): Record<string, number> {
    return this.#positions.toRecord()
  }

  /**
   * `true` from a reconnect until every subscribed channel was caught up: refetched in full, or
   * recovered from the server's history (its `recover` answered). Then the handlers have been told
   * everything that changed while the client was away.
   */
  get catchingUp(): boolean {
    return this.#resyncPending.size > 0 || this.#recovering.size > 0
  }

  /** Channels with at least one handler. */
  get channels(): string[] {
    return [...this.#subscriptions.keys()]
  }

  /** Opens the connection (idempotent). After giving up or `disconnect()`, starts again from the first backoff step. */
  connect(): void {
    if (this.#active) return
    this.#stopRetryingAfterGiveUp()
    this.#active = true
    this.#gaveUp = false
    this.#attempt = 0
    this.#restart = undefined
    this.#attachSignals()
    this.#open('connecting')
  }

  /** Closes the connection and stops reconnecting. Handlers stay registered for a later `connect()`. */
  disconnect(): void {
    this.#stopRetryingAfterGiveUp()
    this.#active = false
    this.#gaveUp = false
    this.#restart = undefined
    this.#detachSignals?.()
    this.#detachSignals = undefined
    clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = undefined
    this.#closeSocket(1000, 'client disconnect')
    this.#setState('disconnected')
  }

  /**
   * Calls `handler` for every event on `channel` and for resync signals. The channel is subscribed
   * on the wire once, however many handlers it has, and unsubscribed when the last one leaves.
   * Subscriptions made while disconnected are sent once connected. Returns the unsubscribe function.
   */
  subscribe(channel: string, handler: BroadcastHandler): () => void {
    assertChannelName(channel)
    if (typeof handler !== 'function') throw new TypeError('handler must be a function')
    const subscription: Subscription = { handler }
    let set = this.#subscriptions.get(channel)
    if (!set) {
      set = new Set()
      this.#subscriptions.set(channel, set)
    }
    set.add(subscription)
    this.#queueFlush()
    let active = true
    return () => {
      if (!active) return
      active = false
      const current = this.#subscriptions.get(channel)
      if (!current) return
      current.delete(subscription)
      if (current.size === 0) {
        this.#subscriptions.delete(channel)
        this.#positions.forget(channel)
        this.#watchGap(channel)
        this.#queueFlush()
      }
    }
  }

  /** Calls `listener` on every state change. Returns the remover. */
  onStateChange(listener: StateListener): () => void {
    this.#stateListeners.add(listener)
    return () => {
      this.#stateListeners.delete(listener)
    }
  }

  // ── connection lifecycle ────────────────────────────────────────────────────────────────────

  #open(state: 'connecting' | 'reconnecting'): void {
    this.#reconnectTimer = undefined
    this.#setState(state)
    this.#openSocket()
  }

  /** One connection attempt; the state is the caller's business (a retry after giving up keeps 'disconnected'). */
  #openSocket(): void {
    let socket: WebSocketLike
    try {
      socket = new this.#WebSocket(this.url)
    } catch (error) {
      this.#logger.warn?.(`could not open ${this.url}`, error)
      this.#attemptFailed()
      return
    }
    this.#socket = socket
    this.#socketOpen = false
    if (Number.isFinite(this.#options.connectTimeoutMs)) this.#armConnectTimeout(socket)
    socket.onopen = (() => {
      if (socket === this.#socket) this.#onOpen()
    }) as never
    socket.onmessage = ((event: { data: unknown }) => {
      if (socket === this.#socket) this.#onMessage(event.data)
    }) as never
    socket.onclose = ((event: { code?: number; reason?: string }) => {
      if (socket === this.#socket) this.#onClose(event.code ?? 1006, event.reason ?? '')
    }) as never
    // A failed connection also emits `close`, which does the work.
    socket.onerror = (() => {}) as never
  }

  #armConnectTimeout(socket: WebSocketLike): void {
    this.#connectTimer = setTimeout(() => {
      if (socket !== this.#socket) return
      const timeout = this.#options.connectTimeoutMs
      const message = `no answer from ${this.url} within ${timeout} ms; is the URL (path) right and the server up?`
      if (this.#warnedConnectTimeout) this.#logger.debug?.(message)
      else this.#logger.warn?.(message)
      this.#warnedConnectTimeout = true
      this.#closeSocket(4000, 'connect timeout')
      this.#attemptFailed()
    }, this.#options.connectTimeoutMs)
  }

  #onOpen(): void {
    clearTimeout(this.#connectTimer)
    this.#connectTimer = undefined
    this.#warnedConnectTimeout = false
    if (this.#gaveUp) {
      // A retry after giving up got through: the client wants a connection again, as after connect().
      this.#gaveUp = false
      this.#active = true
      this.#attempt = 0
    }
    this.#socketOpen = true
    this.#restart = undefined
    this.#lastTrafficAt = Date.now()
    this.#connectionId = null
    this.#welcome = null
    this.#originToken = null
    this.#heartbeatMs = 0
    this.#serverHistory = false
    this.#recovering.clear()
    this.#recoverRequests.length = 0
    this.#sawFirstFrame = false
    this.#wireChannels.clear()
    this.#resyncPending.clear()
    if (this.#everConnected)
      for (const channel of this.#subscriptions.keys()) this.#resyncPending.add(channel)
    this.#everConnected = true
    this.#stableTimer = setTimeout(() => {
      this.#attempt = 0
    }, this.#options.stableAfterMs)
    this.#flushSubscriptions()
    if (this.#resyncPending.size > 0) {
      this.#welcomeTimer = setTimeout(() => this.#resyncAllPending(), this.#options.welcomeTimeoutMs)
    }
    this.#setState('connected')
  }

  #onClose(code: number, reason: string): void {
    this.#logger.debug?.(`connection closed (${code}${reason ? `: ${reason}` : ''})`)
    if (code === CloseCode.RESTARTING && this.#socketOpen) {
      this.#restart = new RestartReconnectPlan(parseRestartReason(reason), this.#random)
    }
    this.#releaseSocket()
    this.#attemptFailed()
  }

  /** A socket closed or never opened: back off, wait for the next retry after giving up, or stay down. */
  #attemptFailed(): void {
    if (this.#active) this.#scheduleReconnect()
    else if (this.#gaveUp) this.#scheduleRetryAfterGiveUp()
    else this.#setState('disconnected')
  }

  #scheduleReconnect(): void {
    const restartDelay = this.#restart?.nextDelay() ?? null
    if (restartDelay !== null) {
      // A deploy: a quick attempt on the restart's beat, not counted towards giving up.
      this.#setState('reconnecting')
      this.#reconnectTimer = setTimeout(() => this.#open('reconnecting'), restartDelay)
      return
    }
    this.#restart = undefined
    if (this.#attempt >= this.#options.maxReconnectAttempts) {
      const retry = this.#options.retryAfterGiveUpMs
      this.#logger.warn?.(
        `gave up on ${this.url} after ${this.#attempt} reconnect attempts` +
          (Number.isFinite(retry) ? `; trying again about every ${Math.round(retry / 1000)} s` : ''),
      )
      this.#active = false
      this.#gaveUp = true
      this.#setState('disconnected')
      this.#scheduleRetryAfterGiveUp()
      return
    }
    const delay = backoffDelay(this.#attempt, {
      baseDelay: this.#options.reconnectDelay,
      maxDelay: this.#options.maxReconnectDelay,
      random: this.#random,
    })
    this.#attempt += 1
    this.#setState('reconnecting')
    this.#reconnectTimer = setTimeout(() => this.#open('reconnecting'), delay)
  }

  /**
   * The spec's client stays down after giving up; a wall display nobody taps would never recover.
   * So one quiet attempt follows at a slow interval, jittered so that displays that gave up together
   * do not return in lockstep. In Node the timer does not keep the process alive.
   */
  #scheduleRetryAfterGiveUp(): void {
    const interval = this.#options.retryAfterGiveUpMs
    if (!Number.isFinite(interval) || this.#retryAfterGiveUpTimer !== undefined) return
    const delay = backoffDelay(0, {
      baseDelay: interval,
      maxDelay: interval,
      jitter: 'equal',
      random: this.#random,
    })
    const timer = setTimeout(() => {
      this.#retryAfterGiveUpTimer = undefined
      if (!this.#gaveUp || this.#socket) return
      this.#logger.debug?.(`trying ${this.url} again after giving up`)
      this.#openSocket()
    }, delay)
    ;(timer as { unref?: () => void }).unref?.()
    this.#retryAfterGiveUpTimer = timer
  }

  #stopRetryingAfterGiveUp(): void {
    clearTimeout(this.#retryAfterGiveUpTimer)
    this.#retryAfterGiveUpTimer = undefined
    // A retry's socket still in flight: connect() opens its own, disconnect() wants none.
    if (this.#gaveUp) this.#closeSocket(1000, 'client disconnect')
  }

  /** Drops the current socket without waiting for a close handshake (it may be half-open) and reconnects. */
  #dropAndReconnect(why: string): void {
    this.#logger.debug?.(`dropping connection: ${why}`)
    this.#closeSocket(4000, why)
    if (this.#active) this.#scheduleReconnect()
  }

  #closeSocket(code: number, reason: string): void {
    const socket = this.#socket
    this.#releaseSocket()
    if (!socket) return
    socket.onopen = null
    socket.onmessage = null
    socket.onclose = null
    try {
      socket.close(code, reason)
    } catch {
      // Closing a socket that never opened may throw in some implementations; it is gone either way.
    }
  }

  #releaseSocket(): void {
    this.#socket = null
    this.#socketOpen = false
    this.#connectionId = null
    this.#welcome = null
    this.#originToken = null
    this.#heartbeatMs = 0
    this.#serverHistory = false
    this.#wireChannels.clear()
    this.#resyncPending.clear()
    this.#recovering.clear()
    this.#recoverRequests.length = 0
    const timers = [
      this.#stableTimer,
      this.#heartbeatTimer,
      this.#pongTimer,
      this.#welcomeTimer,
      this.#connectTimer,
    ]
    for (const timer of timers) clearTimeout(timer)
    this.#stableTimer =
      this.#heartbeatTimer =
      this.#pongTimer =
      this.#welcomeTimer =
      this.#connectTimer =
        undefined
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return
    this.#state = state
    for (const listener of [...this.#stateListeners]) {
      try {
        listener(state)
      } catch (error) {
        this.#logger.warn?.('state listener threw', error)
      }
    }
  }

  // ── frames ──────────────────────────────────────────────────────────────────────────────────

  #onMessage(data: unknown): void {
    this.#lastTrafficAt = Date.now()
    clearTimeout(this.#pongTimer)
    this.#pongTimer = undefined
    if (typeof data !== 'string') {
      this.#logger.debug?.('ignored a binary frame from the server')
      return
    }
    const decoded = decodeServerFrame(data)
    if (!decoded.ok) {
      const channel = decoded.problem.channel
      if (channel !== undefined && this.#subscriptions.has(channel)) {
        this.#onUnreadableEvent(channel, decoded.problem.message)
      } else {
        this.#logger.debug?.(`ignored a bad frame from the server: ${decoded.problem.message}`)
      }
      return
    }
    const frame = decoded.frame
    this.#sawFrame(isWelcomeFrame(frame))
    this.#handleFrame(frame)
    for (const listener of [...this.#frameListeners]) {
      try {
        listener(frame)
      } catch (error) {
        this.#logger.warn?.('a frame listener threw', error)
      }
    }
  }

  #sawFrame(welcome: boolean): void {
    const first = !this.#sawFirstFrame
    this.#sawFirstFrame = true
    if (first && !welcome) this.#resyncAllPending() // a spec-only server: no acks will come
  }

  /**
   * A broadcast on a subscribed channel that this client cannot read (no payload object, an
   * `entity_id` that is neither a string nor an integer, ...): something changed on the channel, but
   * not what, so every handler gets a resync (`reason: 'unreadable'`) instead of the change being
   * dropped. The first per channel is a warning naming the channel and the problem; the rest, which
   * a misbehaving server may send by the thousand, go to debug.
   */
  #onUnreadableEvent(channel: string, problem: string): void {
    this.#sawFrame(false)
    const message = `could not read a broadcast on channel ${JSON.stringify(channel)} (${problem}); refreshing everything on the channel`
    if (this.#warnedUnreadable.has(channel)) {
      this.#logger.debug?.(message)
    } else {
      this.#warnedUnreadable.add(channel)
      this.#logger.warn?.(`${message}. Further unreadable broadcasts on it are logged at debug level`)
    }
    this.#resync(channel, 'unreadable')
  }

  #handleFrame(frame: ServerFrame): void {
    if (isEventFrame(frame)) {
      const event: BroadcastEventMessage = {
        kind: 'event',
        channel: frame.channel,
        event: frame.event,
        payload: frame.payload,
      }
      if (frame.origin !== undefined) event.origin = frame.origin
      if (frame.position !== undefined) {
        event.position = frame.position
        if (!this.#see(frame.channel, frame.position)) {
          this.#logger.debug?.(`skipped ${frame.channel} #${frame.position}: seen already`)
          return
        }
      }
      this.#deliver(frame.channel, event)
      if (frame.position !== undefined) this.#watchGap(frame.channel)
    } else if (isWelcomeFrame(frame)) {
      this.#connectionId = frame.welcome.connection_id
      this.#welcome = frame.welcome
      this.#originToken = frame.welcome.origin_token ?? null
      this.#heartbeatMs = frame.welcome.heartbeat_ms
      this.#serverHistory = frame.welcome.history === true
      clearTimeout(this.#welcomeTimer)
      this.#welcomeTimer = undefined
      this.#scheduleHeartbeat()
    } else if (isSubscribedFrame(frame)) {
      const recover: string[] = []
      for (const channel of frame.subscribed) {
        const position = frame.positions?.[channel]
        const pending = this.#resyncPending.delete(channel)
        if (this.#startsOver(channel, frame.epochs?.[channel]) || pending) {
          if (this.#canRecover(channel)) {
            recover.push(channel)
            continue
          }
          this.#resync(channel, 'reconnect')
        }
        // Fresh, or just refetched in full: everything up to the ack's position is accounted for.
        if (position !== undefined) this.#advanceTo(channel, position)
      }
      this.#recover(recover)
    } else if (isRecoveredFrame(frame)) {
      this.#onRecovered(frame)
    } else if (isResyncFrame(frame)) {
      const recover: string[] = []
      for (const channel of frame.resync) {
        if (this.#canRecover(channel)) recover.push(channel)
        else this.#resync(channel, 'server')
      }
      this.#recover(recover)
    } else if (isErrorFrame(frame)) {
      this.#logger.warn?.(`server refused a frame: ${frame.error.code}: ${frame.error.message}`)
      const channel = frame.error.channel
      if (channel !== undefined && frame.error.code !== 'already_subscribed') {
        this.#resyncPending.delete(channel)
        if (this.#recovering.has(channel)) {
          // The server refused a whole recover (it names the first bad channel): resync all it asked.
          const index = this.#recoverRequests.findIndex((asked) => asked.includes(channel))
          const asked = index === -1 ? [channel] : (this.#recoverRequests.splice(index, 1)[0] ?? [])
          for (const refused of asked) {
            this.#recovering.delete(refused)
            if (this.#subscriptions.has(refused)) this.#resync(refused, 'reconnect')
          }
        }
      }
    }
    // `unsubscribed` and `pong` need nothing beyond counting as traffic.
  }

  #deliver(channel: string, event: BroadcastEvent): void {
    const subscriptions = this.#subscriptions.get(channel)
    if (!subscriptions) return
    for (const { handler } of [...subscriptions]) {
      try {
        handler(event)
      } catch (error) {
        this.#logger.warn?.(`handler for channel ${JSON.stringify(channel)} threw`, error)
      }
    }
  }

  #resync(channel: string, reason: BroadcastResyncMessage['reason']): void {
    this.#deliver(channel, { kind: 'resync', channel, event: 'resync', payload: {}, reason })
  }

  // ── positions and recovery (docs/protocol.md) ───────────────────────────────────────────────

  /** Records a broadcast's position; `false` when every change up to it was seen already (a duplicate). */
  #see(channel: string, position: number): boolean {
    if (!this.#subscriptions.has(channel)) return true
    return this.#positions.see(channel, position)
  }

  /** Everything on `channel` up to `position` is accounted for (an ack, a recovery). */
  #advanceTo(channel: string, position: number): void {
    if (this.#subscriptions.has(channel)) this.#positions.advanceTo(channel, position)
    this.#watchGap(channel)
  }

  /**
   * A position is missing on `channel` while later ones arrived: if it is still missing after
   * `gapGraceMs` (not just late from another instance), ask `recover` from the last position the
   * client has everything up to, instead of staying silently stale. A filled gap stops the timer.
   */
  #watchGap(channel: string): void {
    if (!this.#positions.hasGap(channel) || !this.#subscriptions.has(channel)) {
      clearTimeout(this.#gapTimers.get(channel))
      this.#gapTimers.delete(channel)
      return
    }
    if (this.#gapTimers.has(channel) || !Number.isFinite(this.#options.gapGraceMs)) return
    const timer = setTimeout(() => {
      this.#gapTimers.delete(channel)
      // A reconnect's own recovery, or one already asked, covers it.
      if (this.#resyncPending.has(channel) || this.#recovering.has(channel)) return
      if (!this.#positions.hasGap(channel) || !this.#canRecover(channel)) return
      this.#logger.debug?.(
        `${channel}: position ${(this.#positions.base(channel) ?? 0) + 1} missing for ${this.#options.gapGraceMs} ms; recovering`,
      )
      this.#recover([channel])
    }, this.#options.gapGraceMs)
    ;(timer as { unref?: () => void }).unref?.()
    this.#gapTimers.set(channel, timer)
  }

  /** A new history epoch for `channel`: the positions remembered are forgotten (it refetches in full). */
  #startsOver(channel: string, epoch: string | undefined): boolean {
    if (epoch === undefined || !this.#subscriptions.has(channel)) return false
    if (!this.#positions.startsOver(channel, epoch)) return false
    this.#logger.debug?.(`history of ${channel} started over (epoch ${epoch}): refetching it in full`)
    return true
  }

  /** The server keeps a history and this client knows up to where it saw `channel`: ask, don't refetch all. */
  #canRecover(channel: string): boolean {
    return this.#serverHistory && this.#wireChannels.has(channel) && this.#positions.base(channel) !== null
  }

  #recover(channels: string[]): void {
    const since: Record<string, number> = {}
    for (const channel of channels) {
      if (this.#recovering.has(channel)) continue
      since[channel] = this.#positions.base(channel) as number
      this.#recovering.add(channel)
    }
    const asked = Object.keys(since)
    if (asked.length === 0) return
    this.#recoverRequests.push(asked)
    this.#send({ recover: since })
  }

  /**
   * The answer to `recover`: each changed entity is delivered as an event `'recovered'` (handlers
   * invalidate just it, and the lists it may be in); a channel the server could not tell about gets
   * the full resync. Either way everything up to the answer's position is accounted for.
   */
  #onRecovered(frame: RecoveredFrame): void {
    // Answers come in the order of the requests; a channel missing from its answer gets the full resync.
    const asked = this.#recoverRequests.shift() ?? []
    for (const channel of asked) {
      this.#recovering.delete(channel)
      if (!this.#subscriptions.has(channel)) continue
      const answer = frame.recovered[channel]
      if (!answer || answer.changed === null) {
        this.#resync(channel, 'reconnect')
      } else {
        for (const entityId of answer.changed) {
          this.#deliver(channel, {
            kind: 'event',
            channel,
            event: 'recovered',
            payload: { entity_id: entityId },
            recovered: true,
          })
        }
      }
      if (answer) this.#advanceTo(channel, answer.position)
    }
  }

  #resyncAllPending(): void {
    clearTimeout(this.#welcomeTimer)
    this.#welcomeTimer = undefined
    const channels = [...this.#resyncPending]
    this.#resyncPending.clear()
    for (const channel of channels) this.#resync(channel, 'reconnect')
  }

  // ── subscriptions on the wire ───────────────────────────────────────────────────────────────

  /** Batches subscription changes made in one tick (React StrictMode mounts, unmounts, mounts). */
  #queueFlush(): void {
    if (this.#flushQueued) return
    this.#flushQueued = true
    queueMicrotask(() => {
      this.#flushQueued = false
      this.#flushSubscriptions()
    })
  }

  #flushSubscriptions(): void {
    const socket = this.#socket
    if (!socket || !this.#socketOpen || socket.readyState !== OPEN) return
    const add = [...this.#subscriptions.keys()].filter((channel) => !this.#wireChannels.has(channel))
    const remove = [...this.#wireChannels].filter((channel) => !this.#subscriptions.has(channel))
    if (add.length > 0) {
      this.#send({ subscribe: add })
      for (const channel of add) this.#wireChannels.add(channel)
    }
    if (remove.length > 0) {
      this.#send({ unsubscribe: remove })
      for (const channel of remove) {
        this.#wireChannels.delete(channel)
        this.#resyncPending.delete(channel)
      }
    }
  }

  #send(frame: Parameters<typeof encodeClientFrame>[0]): void {
    try {
      this.#socket?.send(encodeClientFrame(frame))
    } catch (error) {
      this.#logger.debug?.('send failed; the close event will reconnect', error)
    }
  }

  // ── liveness ────────────────────────────────────────────────────────────────────────────────

  /** Only when the server announced `heartbeat_ms` in `welcome`: a spec-only server never answers pings. */
  #scheduleHeartbeat(): void {
    clearTimeout(this.#heartbeatTimer)
    this.#heartbeatTimer = undefined
    if (this.#heartbeatMs <= 0 || !this.#socketOpen) return
    const due = this.#lastTrafficAt + this.#heartbeatMs - Date.now()
    this.#heartbeatTimer = setTimeout(
      () => {
        this.#heartbeatTimer = undefined
        if (Date.now() - this.#lastTrafficAt >= this.#heartbeatMs) this.#probe()
        this.#scheduleHeartbeat()
      },
      Math.max(due, 0),
    )
  }

  /** Sends an app-level ping; no traffic before the pong timeout means the connection is half-open. */
  #probe(): void {
    if (this.#heartbeatMs <= 0 || !this.#socketOpen || this.#pongTimer !== undefined) return
    this.#pingSeq += 1
    this.#send({ ping: this.#pingSeq })
    const timeout = this.#options.pongTimeoutMs ?? Math.min(this.#heartbeatMs, 10_000)
    this.#pongTimer = setTimeout(() => {
      this.#pongTimer = undefined
      this.#dropAndReconnect(`no answer to ping within ${timeout} ms`)
    }, timeout)
  }

  // ── browser signals ─────────────────────────────────────────────────────────────────────────

  /** The browser is back online, or a tab became visible (perhaps after the machine slept). */
  readonly #onWake = (): void => {
    if (this.#gaveUp) {
      this.connect()
    } else if (this.#reconnectTimer !== undefined) {
      // Waiting out a backoff delay: the network is likely back, so try now.
      clearTimeout(this.#reconnectTimer)
      this.#open('reconnecting')
    } else if (this.#state === 'connected') {
      // The socket may have died while the machine slept; check now instead of a heartbeat later.
      this.#probe()
    }
  }

  #attachSignals(): void {
    if (this.#detachSignals) return
    const offOnline = this.#signals.online?.subscribe((online) => {
      if (online) this.#onWake()
    })
    const offFocus = this.#signals.focus?.subscribe((focused) => {
      if (focused) this.#onWake()
    })
    this.#detachSignals = () => {
      offOnline?.()
      offFocus?.()
    }
  }
}
