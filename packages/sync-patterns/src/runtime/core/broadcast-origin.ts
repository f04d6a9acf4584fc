import { ORIGIN_HEADER } from '@pattern-stack/sync-protocol'
import type { BroadcastClient } from './broadcast-client.js'
import { getBroadcastClient } from './broadcast-singleton.js'

export { ORIGIN_HEADER }

/**
 * What this client sends as the `X-Broadcast-Origin` header of its API requests: the secret
 * `origin_token` of its connection (a server before tokens sent none: then the connection id), or
 * `undefined` when it has none (not connected yet, or a spec-only server that sends no `welcome`).
 * The server verifies it and tags the broadcasts with the public connection id.
 */
export function getBroadcastOrigin(
  client: BroadcastClient | null = getBroadcastClient(),
): string | undefined {
  return client?.originToken ?? client?.connectionId ?? undefined
}

/** `{ 'X-Broadcast-Origin': token }` when there is a connection, else `{}`: for axios and other clients. */
export function broadcastOriginHeaders(client?: BroadcastClient | null): Record<string, string> {
  const origin = getBroadcastOrigin(client === undefined ? getBroadcastClient() : client)
  return origin === undefined ? {} : { [ORIGIN_HEADER]: origin }
}

type Fetch = typeof fetch

/**
 * Wraps `fetch` so every request proves this client's broadcast connection in `X-Broadcast-Origin`.
 * The server puts the connection id into the `origin` of the broadcasts the request causes, and this
 * client skips that echo (its own mutation already refetches). A header the caller set is kept.
 *
 * @param getClient which client's id to send; by default the app's (`initBroadcast` / `BroadcastProvider`)
 */
export function withBroadcastOrigin(
  fetchImpl: Fetch = globalThis.fetch,
  getClient: () => BroadcastClient | null = getBroadcastClient,
): Fetch {
  if (typeof fetchImpl !== 'function') throw new TypeError('withBroadcastOrigin needs a fetch function')
  return (input, init) => {
    const origin = getBroadcastOrigin(getClient())
    if (origin === undefined) return fetchImpl(input, init)
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
    if (!headers.has(ORIGIN_HEADER)) headers.set(ORIGIN_HEADER, origin)
    return fetchImpl(input, { ...init, headers })
  }
}
