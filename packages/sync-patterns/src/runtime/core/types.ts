import type { EventPayload } from '@pattern-stack/sync-protocol'

/** Connection states, as the spec names them. */
export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'reconnecting'

/** An event the server broadcast on a channel (`{"channel","event","payload","origin"?}`). */
export interface BroadcastEventMessage {
  kind: 'event'
  channel: string
  event: string
  payload: EventPayload
  /** Connection id of the client whose HTTP request caused the change, when the server knows it. */
  origin?: string
  /** The change's position in the channel's commit order, from a server with history. */
  position?: number
  /**
   * `true` for a change the client learned of by recovering after a reconnect (`event` is then
   * `'recovered'`): the server's history named the entity as changed while the client was away.
   */
  recovered?: true
}

/**
 * "You may have missed events on this channel: refresh everything on it." Delivered to every handler
 * of the channel after each reconnect, when the server sends `{"resync": [...]}`, and for a
 * broadcast on the channel the client could not read. It has the same
 * `channel`/`event`/`payload` fields as an event (payload without `entity_id`), so a handler written
 * to the spec's rule ("no entity_id: invalidate everything") already does the right thing.
 */
export interface BroadcastResyncMessage {
  kind: 'resync'
  channel: string
  event: 'resync'
  payload: EventPayload
  /**
   * `reconnect`: this client reconnected. `server`: the server's fan-out engine lost events.
   * `unreadable`: a broadcast arrived on the channel that the client could not read (no payload
   * object, an `entity_id` that is neither a string nor an integer, ...), logged as a warning.
   */
  reason: 'reconnect' | 'server' | 'unreadable'
}

/** What a channel handler receives. Switch on `kind` to tell events from resync signals. */
export type BroadcastEvent = BroadcastEventMessage | BroadcastResyncMessage

export type BroadcastHandler = (event: BroadcastEvent) => void
export type StateListener = (state: ConnectionState) => void

/**
 * The part of the WebSocket API the client uses: the browser's `WebSocket` and `ws`'s both fit.
 * Handler parameters are `never` so both implementations' event types are assignable.
 */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: never) => void) | null
  onmessage: ((event: never) => void) | null
  onclose: ((event: never) => void) | null
  onerror: ((event: never) => void) | null
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike

/**
 * The signals that make a waiting client reconnect at once. TanStack Query's `onlineManager` and
 * `focusManager` fit (the default); anything with the same `subscribe` does.
 */
export interface BrowserSignals {
  /** Calls the listener with `true` when the network is back (the browser's `online`). */
  online?: { subscribe(listener: (online: boolean) => void): () => void }
  /** Calls the listener with `true` when the app is in front again (a tab became visible). */
  focus?: { subscribe(listener: (focused: boolean) => void): () => void }
}
