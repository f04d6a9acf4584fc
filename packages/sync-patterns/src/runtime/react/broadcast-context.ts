import { createContext } from 'react'
import type { BroadcastClient } from '../core/broadcast-client.js'
import type { BroadcastHandler, ConnectionState } from '../core/types.js'

export interface BroadcastContextValue {
  client: BroadcastClient
  /** Connection state; components re-render when it changes. */
  state: ConnectionState
  /** `client.subscribe`: returns the unsubscribe function. */
  subscribe: (channel: string, handler: BroadcastHandler) => () => void
}

/** Provided by `BroadcastProvider`. */
export const BroadcastContext = createContext<BroadcastContextValue | null>(null)
