import { BroadcastClient, type BroadcastClientOptions } from './broadcast-client.js'

let current: BroadcastClient | null = null

/**
 * Creates the app's broadcast client and connects it (the spec's `initBroadcast`). Called again with
 * the same URL it returns the existing client; with another URL it disconnects the old one first.
 */
export function initBroadcast(url: string, options?: BroadcastClientOptions): BroadcastClient {
  const candidate = new BroadcastClient(url, options)
  if (current && current.url === candidate.url) {
    current.connect()
    return current
  }
  current?.disconnect()
  current = candidate
  current.connect()
  return current
}

/** The client from `initBroadcast` or the mounted `BroadcastProvider`, or `null` when there is none. */
export function getBroadcastClient(): BroadcastClient | null {
  return current
}

/**
 * Makes `client` the app's client (what `BroadcastProvider` does while mounted), or clears it with
 * `null`. Does not connect or disconnect anything.
 */
export function setBroadcastClient(client: BroadcastClient | null): void {
  current = client
}
