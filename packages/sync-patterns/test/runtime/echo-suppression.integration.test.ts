import { QueryClient, QueryObserver } from '@tanstack/query-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { BroadcastClient } from '../../src/runtime/core/broadcast-client.js'
import {
  broadcastOriginHeaders,
  ORIGIN_HEADER,
  withBroadcastOrigin,
} from '../../src/runtime/core/broadcast-origin.js'
import { createBroadcastInvalidation } from '../../src/runtime/core/sync-client.js'
import type { BroadcastEvent } from '../../src/runtime/core/types.js'
import { type RealServer, startRealServer } from './real-server.js'

let s: RealServer
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** One browser tab: its own broadcast connection and QueryClient, an active detail query over real HTTP. */
async function tab(name: string) {
  const client = new BroadcastClient(s.url, { WebSocket, signals: false })
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 60_000 } } })
  queryClient.mount()
  let gets = 0
  const base = `http://127.0.0.1:${s.port}`
  const observer = new QueryObserver(queryClient, {
    queryKey: ['orders', '1'],
    queryFn: async () => {
      gets += 1
      return (await fetch(`${base}/orders/1`)).json()
    },
  })
  const unsubscribe = observer.subscribe(() => {})
  const seen: BroadcastEvent[] = []
  client.subscribe('order', (e) => seen.push(e))
  const invalidation = createBroadcastInvalidation({
    queryClient,
    client,
    channel: 'order',
    queryKeyPrefix: ['orders'],
  })
  client.connect()
  cleanups.push(() => {
    invalidation.dispose()
    unsubscribe()
    client.disconnect()
    queryClient.clear()
  })
  await vi.waitFor(() => expect(client.connectionId).not.toBeNull())
  await vi.waitFor(() => expect(gets).toBe(1))
  const apiFetch = withBroadcastOrigin(fetch, () => client)
  return {
    name,
    client,
    queryClient,
    seen,
    get gets() {
      return gets
    },
    /** What a generated mutation does: POST (tagged with the origin), then refetch its key in onSettled. */
    async mutate() {
      await apiFetch(`${base}/orders/1`, { method: 'POST' })
      await queryClient.invalidateQueries({ queryKey: ['orders', '1'] })
    },
  }
}

describe('echo suppression end to end (real server, real HTTP, two tabs)', () => {
  it('the originating tab refetches once (its own mutation); the other tab refetches from the broadcast', async () => {
    // The echo arrives after the mutation's own refetch has finished (outbox / slow engine), so
    // only the origin can tell this tab that it already has the change.
    s = await startRealServer(0, { broadcastDelayMs: 50 })
    cleanups.push(() => s.close())
    const a = await tab('a')
    const b = await tab('b')
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(2))
    await a.mutate()
    await vi.waitFor(() => expect(b.gets).toBe(2))
    await vi.waitFor(() => expect(a.seen.some((e) => e.kind === 'event')).toBe(true))
    await new Promise((r) => setTimeout(r, 100))
    // The broadcast carried A's connection id as origin, so A skipped it…
    expect(a.seen.filter((e) => e.kind === 'event')).toEqual([
      {
        kind: 'event',
        channel: 'order',
        event: 'updated',
        payload: { entity_id: '1' },
        origin: a.client.connectionId,
      },
    ])
    expect(a.gets).toBe(2) // the initial fetch + its own onSettled refetch: not 3
    expect(b.gets).toBe(2) // the initial fetch + one from the broadcast
    expect(b.queryClient.getQueryData(['orders', '1'])).toEqual({ id: '1', version: 1 })
  })

  it('a tab that sends another tab’s connection id (every broadcast shows it) does not silence that tab', async () => {
    s = await startRealServer(0, { broadcastDelayMs: 50 })
    cleanups.push(() => s.close())
    const a = await tab('a')
    const b = await tab('b')
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(2))
    // The runtime sends the secret token from welcome, not the public id.
    expect(a.client.originToken).toMatch(new RegExp(`^${a.client.connectionId}\\.`))
    const forged = await fetch(`http://127.0.0.1:${s.port}/orders/1`, {
      method: 'POST',
      headers: { [ORIGIN_HEADER]: a.client.connectionId ?? '' },
    })
    expect(forged.status).toBe(200)
    await vi.waitFor(() => expect(a.gets).toBe(2)) // A refetched: the change was not claimed for it
    await vi.waitFor(() => expect(b.gets).toBe(2))
    expect(a.seen.filter((e) => e.kind === 'event')).toEqual([
      { kind: 'event', channel: 'order', event: 'updated', payload: { entity_id: '1' }, origin: undefined },
    ])
  })

  it('withBroadcastOrigin keeps an explicit header and sends none without a connection id', async () => {
    const seen: (string | null)[] = []
    const record: typeof fetch = async (_input, init) => {
      seen.push(new Headers(init?.headers).get(ORIGIN_HEADER))
      return new Response('{}')
    }
    const connected = { connectionId: 'c_1' } as BroadcastClient
    await withBroadcastOrigin(record, () => connected)('http://x.test/a')
    await withBroadcastOrigin(record, () => connected)('http://x.test/a', {
      headers: { [ORIGIN_HEADER]: 'mine' },
    })
    await withBroadcastOrigin(record, () => null)('http://x.test/a')
    await withBroadcastOrigin(
      record,
      () => connected,
    )(new Request('http://x.test/a', { headers: { 'x-keep': '1' } }))
    expect(seen).toEqual(['c_1', 'mine', null, 'c_1'])
    expect(broadcastOriginHeaders(connected)).toEqual({ [ORIGIN_HEADER]: 'c_1' })
    expect(broadcastOriginHeaders(null)).toEqual({})
    // A server that sends origin_token: the token is sent, never the public id.
    const withToken = { connectionId: 'c_1', originToken: 'c_1.signature' } as BroadcastClient
    expect(broadcastOriginHeaders(withToken)).toEqual({ [ORIGIN_HEADER]: 'c_1.signature' })
    expect(() => withBroadcastOrigin('nope' as never)).toThrow(/needs a fetch function/)
  })
})
