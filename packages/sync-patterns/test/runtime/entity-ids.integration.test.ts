import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { QueryClient, type QueryKey, QueryObserver } from '@tanstack/query-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { BroadcastClient } from '../../src/runtime/core/broadcast-client.js'
import { entityKeys } from '../../src/runtime/core/query-keys.js'
import { createBroadcastInvalidation } from '../../src/runtime/core/sync-client.js'
import { recordingLogger } from './fake-websocket.js'
import { type RealServer, startRealServer } from './real-server.js'

// Entity ids as they come (issue 14, item 7), over real sockets: an integer `entity_id`, what a
// FastAPI service with integer keys writes, refreshes the entity whichever way its key spells the id;
// a broadcast the client cannot read on a subscribed channel refreshes the whole channel, with one
// warning, instead of being dropped.

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const orderKeys = entityKeys('orders')

/** The real backend and its tiny API (GET /orders/:id counts hits). */
async function realServer(): Promise<RealServer> {
  const s = await startRealServer()
  cleanups.push(() => s.close())
  return s
}

/**
 * A server that writes whatever frames it is given, as a FastAPI service written to the spec would
 * (no welcome, no acks): `send(frame)` goes to every connection, text as is.
 */
async function specOnlyServer() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await once(wss, 'listening')
  const subscribed: string[] = []
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { subscribe?: string[] }
      subscribed.push(...(frame.subscribe ?? []))
    })
  })
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of wss.clients) socket.terminate()
        wss.close(() => resolve())
      }),
  )
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    subscribed,
    send(...frames: (string | object)[]) {
      for (const socket of wss.clients) {
        for (const frame of frames) socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
      }
    },
  }
}

/**
 * An app: one broadcast connection and QueryClient; an active query per key, whose fetches are
 * counted (and, when `api` is given, go over real HTTP to it); the invalidations a generated hook opens.
 */
async function app(url: string, keys: QueryKey[], prefixes: QueryKey[], api?: RealServer) {
  const log = recordingLogger()
  const client = new BroadcastClient(url, { WebSocket, signals: false, logger: log.logger })
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 60_000 } } })
  queryClient.mount()
  const fetches = new Map<string, number>()
  const offs = keys.map((queryKey) => {
    const observer = new QueryObserver(queryClient, {
      queryKey,
      queryFn: async () => {
        fetches.set(JSON.stringify(queryKey), (fetches.get(JSON.stringify(queryKey)) ?? 0) + 1)
        if (!api) return null
        return (await fetch(`http://127.0.0.1:${api.port}/${queryKey.join('/')}`)).json()
      },
    })
    return observer.subscribe(() => {})
  })
  const invalidations = prefixes.map((queryKeyPrefix) =>
    createBroadcastInvalidation({ queryClient, client, channel: 'order', queryKeyPrefix }),
  )
  client.connect()
  cleanups.push(() => {
    for (const invalidation of invalidations) invalidation.dispose()
    for (const off of offs) off()
    client.disconnect()
    queryClient.clear()
  })
  await vi.waitFor(() => expect(fetches.size).toBe(keys.length))
  return {
    client,
    log,
    /** Fetches per key beyond the first (the refetches), keyed by the key's JSON. */
    refetches() {
      return Object.fromEntries(
        keys.map((key) => [JSON.stringify(key), (fetches.get(JSON.stringify(key)) ?? 0) - 1]),
      )
    },
  }
}

describe('an integer entity_id over real sockets', () => {
  it('our server broadcasts entity_id 42 (a number); ["orders", 42] and ["orders", "42"] refetch over HTTP, other orders do not', async () => {
    const s = await realServer()
    const keys: QueryKey[] = [orderKeys.detail(42), ['orders', '42'], orderKeys.detail(7), orderKeys.all]
    // The list hook's prefix and a generated detail hook's prefix (entityKeys(...).detail(id)).
    const a = await app(s.url, keys, [orderKeys.all, orderKeys.detail(42)], s)
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    const getsBefore = s.hits.get('GET /orders/42') ?? 0
    await s.backend.broadcast('order', 'updated', { entity_id: 42 })
    await vi.waitFor(() =>
      expect(a.refetches()).toEqual({
        '["orders",42]': 1,
        '["orders","42"]': 1,
        '["orders",7]': 0,
        '["orders"]': 1,
      }),
    )
    expect(s.hits.get('GET /orders/42')).toBe(getsBefore + 2)
    // The same entity sent as text reaches the same queries.
    await s.backend.broadcast('order', 'updated', { entity_id: '42' })
    await vi.waitFor(() => expect(a.refetches()['["orders",42]']).toBe(2))
    await new Promise((r) => setTimeout(r, 100))
    expect(a.refetches()).toEqual({
      '["orders",42]': 2,
      '["orders","42"]': 2,
      '["orders",7]': 0,
      '["orders"]': 2,
    })
    expect(a.log.warn).toEqual([])
  })

  it('a spec-only (FastAPI-like) server writing {"entity_id": 42} refreshes the cached detail', async () => {
    const peer = await specOnlyServer()
    const a = await app(
      peer.url,
      [orderKeys.detail(42), ['orders', '42'], orderKeys.detail(7)],
      [orderKeys.all],
    )
    await vi.waitFor(() => expect(peer.subscribed).toEqual(['order']))
    peer.send('{"channel":"order","event":"updated","payload":{"entity_id": 42}}')
    await vi.waitFor(() =>
      expect(a.refetches()).toEqual({ '["orders",42]': 1, '["orders","42"]': 1, '["orders",7]': 0 }),
    )
    expect(a.log.warn).toEqual([])
  })
})

describe('a broadcast the client cannot read', () => {
  it('on a subscribed channel: everything under its prefix refetches, with one warning naming the channel', async () => {
    const peer = await specOnlyServer()
    const keys: QueryKey[] = [orderKeys.all, orderKeys.detail(42), orderKeys.path([7, 'items']), ['contacts']]
    const a = await app(peer.url, keys, [orderKeys.all])
    await vi.waitFor(() => expect(peer.subscribed).toEqual(['order']))
    const flood = Array.from({ length: 50 }, (_, i) => ({
      channel: 'order',
      event: 'updated',
      payload: { entity_id: { id: i } },
    }))
    peer.send(
      ...flood,
      { channel: 'order', event: 'updated', payload: { entity_id: 4.2 } },
      {
        channel: 'order',
        event: 'updated',
      },
    )
    // Refetched (once, unless the burst straddles the scheduler's window), the other channel's not.
    await vi.waitFor(() =>
      expect(Object.values(a.refetches()).map((n) => Math.min(n, 1))).toEqual([1, 1, 1, 0]),
    )
    await new Promise((r) => setTimeout(r, 100))
    expect(a.refetches()['["contacts"]']).toBe(0)
    expect(a.log.warn).toHaveLength(1)
    expect(a.log.warn[0]).toMatch(
      /could not read a broadcast on channel "order" \(event frame payload\.entity_id must be a string or an integer, got object\)/,
    )
  })

  it('not JSON, or naming no channel or one not subscribed: a debug line, nothing refetches', async () => {
    const peer = await specOnlyServer()
    const keys: QueryKey[] = [orderKeys.all, orderKeys.detail(42)]
    const a = await app(peer.url, keys, [orderKeys.all])
    await vi.waitFor(() => expect(peer.subscribed).toEqual(['order']))
    peer.send('{"channel":"order",', '{"event":"updated","payload":{}}', {
      channel: 'contact',
      event: 'updated',
      payload: 3,
    })
    await vi.waitFor(() => expect(a.log.debug.filter((m) => m.startsWith('ignored'))).toHaveLength(3))
    await new Promise((r) => setTimeout(r, 100))
    expect(a.refetches()).toEqual({ '["orders"]': 0, '["orders",42]': 0 })
    expect(a.log.warn).toEqual([])
  })
})
