import WebSocket from 'ws'
import type { BroadcastConnection } from './connection.js'

/**
 * ws's WebSocket with a slot for its connection, so the backend registers the same listener
 * functions on every socket (they find the connection through `this`) instead of closures per
 * connection: each closure and its scope cost memory on every open connection (issue 16).
 */
export class BroadcastSocket extends WebSocket {
  connection: BroadcastConnection | null = null
}
