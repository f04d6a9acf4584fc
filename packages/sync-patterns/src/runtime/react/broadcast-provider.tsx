import { type ReactNode, useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import { BroadcastClient, type BroadcastClientOptions } from '../core/broadcast-client.js'
import { getBroadcastClient, setBroadcastClient } from '../core/broadcast-singleton.js'
import { BroadcastContext, type BroadcastContextValue } from './broadcast-context.js'
import { installSameFrameUpdates } from './same-frame-updates.js'

export interface BroadcastProviderProps {
  /** WebSocket URL of the broadcast endpoint (e.g. `ws://localhost:8000/ws/broadcast` or `/ws/broadcast`). */
  url?: string
  /** Client options; read when the client is created (on mount and when `url` changes). */
  options?: BroadcastClientOptions
  /** Use this client instead of creating one; the provider then neither connects nor disconnects it. */
  client?: BroadcastClient
  /**
   * Render cache changes in the frame they happen (default `true`): installs a microtask scheduler
   * on TanStack Query's `notifyManager` (`installSameFrameUpdates`), so an optimistic change made in
   * a tap handler is painted in the next frame, not one later. `false` leaves the scheduler alone
   * (keep TanStack's `setTimeout(0)` or your own).
   */
  sameFrameUpdates?: boolean
  children?: ReactNode
}

/**
 * Owns the app's broadcast connection: creates the client for `url`, connects it while mounted and
 * disconnects it on unmount. The connect is deferred by a macrotask, so React StrictMode's
 * mount-unmount-mount opens exactly one socket. While mounted the client is also the app's
 * `getBroadcastClient()`, so `withBroadcastOrigin(fetch)` can tag requests with its connection id.
 * It also makes TanStack Query render cache changes in the same frame (`sameFrameUpdates`).
 */
export function BroadcastProvider({
  url,
  options,
  client: external,
  sameFrameUpdates = true,
  children,
}: BroadcastProviderProps) {
  if (!external && (typeof url !== 'string' || url.length === 0)) {
    throw new TypeError(
      `BroadcastProvider needs a url (got ${JSON.stringify(url)}); is VITE_BROADCAST_URL set?`,
    )
  }
  if (typeof sameFrameUpdates !== 'boolean') {
    throw new TypeError(`sameFrameUpdates must be true or false, got ${JSON.stringify(sameFrameUpdates)}`)
  }
  // During render rather than in an effect: children's mount effects run before the provider's, and
  // a change they make should render in the same frame too. Idempotent, so render purity holds.
  if (sameFrameUpdates) installSameFrameUpdates()
  // biome-ignore lint/correctness/useExhaustiveDependencies: options are read once per client, on purpose
  const client = useMemo(() => external ?? new BroadcastClient(url as string, options), [external, url])

  const subscribeToState = useCallback((onChange: () => void) => client.onStateChange(onChange), [client])
  const readState = useCallback(() => client.state, [client])
  const clientState = useSyncExternalStore(subscribeToState, readState, readState)
  // A client this provider creates connects one tick after mount (so StrictMode's extra mount
  // opens no socket); until then it is about to connect, not "disconnected".
  const [startedClient, setStartedClient] = useState<BroadcastClient | null>(null)
  const starting = !external && startedClient !== client
  const state = starting && clientState === 'disconnected' ? 'connecting' : clientState
  const subscribe = useCallback<BroadcastContextValue['subscribe']>(
    (channel, handler) => client.subscribe(channel, handler),
    [client],
  )

  useEffect(() => {
    const previous = getBroadcastClient()
    setBroadcastClient(client)
    const timer = external
      ? undefined
      : setTimeout(() => {
          client.connect()
          setStartedClient(client)
        }, 0)
    return () => {
      clearTimeout(timer)
      if (!external) client.disconnect()
      if (getBroadcastClient() === client) setBroadcastClient(previous === client ? null : previous)
    }
  }, [client, external])

  const value = useMemo<BroadcastContextValue>(
    () => ({ client, state, subscribe }),
    [client, state, subscribe],
  )
  return <BroadcastContext.Provider value={value}>{children}</BroadcastContext.Provider>
}
