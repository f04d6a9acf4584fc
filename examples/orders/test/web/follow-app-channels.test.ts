import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import { BroadcastClient, type BroadcastEvent } from '@pattern-stack/sync-patterns/runtime'
import { QueryClient, QueryObserver } from '@tanstack/react-query'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { followAppChannels } from '../../web/src/followAppChannels.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The real broadcast backend on loopback and a BroadcastClient connected to it. */
async function connectedClient() {
  const backend = new WebSocketBroadcastBackend()
  const http = createServer((_request, response) => response.writeHead(404).end())
  backend.attach(http, { path: '/ws/broadcast' })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  cleanups.push(async () => {
    await backend.close()
    http.closeAllConnections()
    await new Promise((resolve) => http.close(resolve))
  })
  const { port } = http.address() as AddressInfo
  const client = new BroadcastClient(`ws://127.0.0.1:${port}/ws/broadcast`, { WebSocket, signals: false })
  cleanups.push(() => client.disconnect())
  client.connect()
  return { backend, client }
}

/** What a generated query hook does when its screen mounts: subscribe its channel, observe its query. */
function mountScreenOn(client: BroadcastClient, queryClient: QueryClient, channel: string) {
  const unsubscribe = client.subscribe(channel, () => {})
  const observer = new QueryObserver(queryClient, { queryKey: [channel], queryFn: () => [], enabled: false })
  const stopObserving = observer.subscribe(() => {})
  return () => {
    stopObserving()
    unsubscribe()
  }
}

describe('the Live panel follows every channel the app subscribes to', () => {
  it('hears entities nobody named to it (contact, a new table) once a screen subscribes, and keeps them', async () => {
    const { backend, client } = await connectedClient()
    const queryClient = new QueryClient()
    const heard: string[] = []
    const followed: (readonly string[])[] = []
    const onFrame = (frame: BroadcastEvent) => {
      if (frame.kind === 'event') heard.push(`${frame.channel}.${frame.event}`)
    }
    mountScreenOn(client, queryClient, 'order')
    const stop = followAppChannels(client, queryClient, onFrame, (channels) => followed.push(channels))
    expect(followed).toEqual([['order']])

    const unmountTables = mountScreenOn(client, queryClient, 'table')
    mountScreenOn(client, queryClient, 'contact')
    await vi.waitFor(() => expect(followed.at(-1)).toEqual(['order', 'table', 'contact']))
    await vi.waitFor(() => expect(backend.getSubscriberCount('contact')).toBe(1))

    // The tables screen closes: the panel still shows what arrives on `table`.
    unmountTables()
    await backend.broadcast('table', 'updated', { entity_id: 't1' })
    await backend.broadcast('contact', 'created', { entity_id: 'c1' })
    await backend.broadcast('order', 'item_added', { entity_id: 'o1' })
    // A channel no screen subscribed to is not heard.
    await backend.broadcast('invoice', 'created', { entity_id: 'i1' })
    await vi.waitFor(() => expect(heard).toEqual(['table.updated', 'contact.created', 'order.item_added']))

    stop()
    await vi.waitFor(() => expect(backend.getSubscriberCount('table')).toBe(0))
    expect(client.channels).toEqual(['order', 'contact'])
  })
})
