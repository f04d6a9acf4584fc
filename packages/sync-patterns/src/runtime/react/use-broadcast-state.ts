import type { ConnectionState } from '../core/types.js'
import { useBroadcast } from './use-broadcast.js'

/** Just the connection state, for status indicators: `'connecting' | 'connected' | 'disconnected' | 'reconnecting'`. */
export function useBroadcastState(): ConnectionState {
  return useBroadcast().state
}
