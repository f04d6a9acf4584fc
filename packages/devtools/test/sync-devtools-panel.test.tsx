// @vitest-environment happy-dom
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import {
  type BroadcastClient,
  BroadcastProvider,
  getSyncClient,
  updateEntityPatch,
  useBroadcast,
  useBroadcastInvalidation,
} from '@pattern-stack/sync-patterns/runtime'
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query'
import { act, cleanup, render, screen, within } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { SyncDevtoolsPanel, syncDevtoolsPlugin } from '../src/index.js'

/** The real broadcast backend on a real HTTP server on loopback. */
async function startServer() {
  const backend = new WebSocketBroadcastBackend({ heartbeatMs: 30_000 })
  const http: Server = createServer((_request, response) => response.writeHead(404).end())
  backend.attach(http, { path: '/ws/broadcast' })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  await backend.ready()
  const { port } = http.address() as AddressInfo
  return {
    backend,
    url: `ws://127.0.0.1:${port}/ws/broadcast`,
    async close() {
      await backend.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

type Server_ = Awaited<ReturnType<typeof startServer>>
const servers: Server_[] = []
afterEach(async () => {
  cleanup()
  for (const server of servers.splice(0)) await server.close()
})

/** What the app under the panel has: its fetch count and its broadcast client. */
interface Probe {
  fetches: number
  client: BroadcastClient | null
}

/** An order detail kept fresh from the `order` channel, as a generated hook does. */
function Order({ probe }: { probe: Probe }) {
  useBroadcastInvalidation({ channel: 'order', queryKeyPrefix: ['orders'] })
  const { client } = useBroadcast()
  probe.client = client
  const { data } = useQuery({
    queryKey: ['orders', '1'],
    queryFn: async () => {
      probe.fetches += 1
      return { id: '1', notes: `v${probe.fetches}` }
    },
  })
  return <p>order {data?.notes}</p>
}

/** The same order with a version (its fetch count), kept fresh by a subscription that knows where it is. */
function VersionedOrder({ probe }: { probe: Probe }) {
  useBroadcastInvalidation({
    channel: 'order',
    queryKeyPrefix: ['orders'],
    cache: { root: 'orders', versionField: 'version' },
  })
  const { client } = useBroadcast()
  probe.client = client
  const { data } = useQuery({
    queryKey: ['orders', '1'],
    queryFn: async () => {
      probe.fetches += 1
      return { id: '1', notes: `v${probe.fetches}`, version: probe.fetches }
    },
  })
  return <p>order {data?.notes}</p>
}

async function setup(panel: ReactNode, OrderView: typeof Order = Order) {
  const server = await startServer()
  servers.push(server)
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 60_000 } } })
  const probe: Probe = { fetches: 0, client: null }
  render(
    <QueryClientProvider client={queryClient}>
      <BroadcastProvider url={server.url} options={{ WebSocket }}>
        <OrderView probe={probe} />
        {panel}
      </BroadcastProvider>
    </QueryClientProvider>,
  )
  await screen.findByText('order v1')
  await vi.waitFor(() => expect(server.backend.getSubscriberCount('order')).toBe(1))
  // The id arrives in the server's welcome, just after the connection opens.
  await vi.waitFor(() => expect(probe.client?.connectionId).toBeTruthy())
  return { server, queryClient, connectionId: () => probe.client?.connectionId as string }
}

const signals = () =>
  within(screen.getByRole('list', { name: 'Broadcasts received' })).getAllByTestId('sync-devtools-signal')

describe('SyncDevtoolsPanel (happy-dom, real QueryClient, real broadcast server)', () => {
  it("shows another connection's broadcast with the query it invalidated and the refetch's duration; its own change as skipped (echo)", async () => {
    const { server, connectionId } = await setup(<SyncDevtoolsPanel defaultOpen />)
    expect(screen.getByTestId('sync-devtools-state').textContent).toBe('connected')
    expect(screen.getByTestId('sync-devtools-channels').textContent).toBe('channels: order ')

    await act(() =>
      server.backend.broadcast('order', 'item_added', { entity_id: '1' }, { origin: 'someone-else' }),
    )
    await screen.findByText('order v2')
    const [other] = signals()
    await vi.waitFor(() => expect(other?.textContent).toMatch(/\["orders","1"\] refetched in \d+(\.\d)? ms/))
    expect(other?.textContent).toContain('order.item_added entity 1')

    await act(() =>
      server.backend.broadcast('order', 'item_added', { entity_id: '1' }, { origin: connectionId() }),
    )
    await vi.waitFor(() => expect(signals()).toHaveLength(2))
    const own = signals()[0]
    expect(own?.textContent).toContain("skipped (echo: this tab's own change, which its mutation refetches)")
    expect(within(own as HTMLElement).queryByRole('list', { name: 'Invalidated queries' })).toBeNull()
    expect(screen.getByTestId('sync-devtools-counts').textContent).toBe(
      '2 broadcasts, 1 skipped, 1 refetch, 0 resyncs, 0 pending changes',
    )
  })

  it("shows a broadcast at a version the cache already has as skipped (current), and a newer one's refetch", async () => {
    const { server } = await setup(<SyncDevtoolsPanel defaultOpen />, VersionedOrder)
    await act(() => server.backend.broadcast('order', 'updated', { entity_id: '1', entity_version: 1 }))
    await vi.waitFor(() => expect(signals()).toHaveLength(1))
    await vi.waitFor(() =>
      expect(signals()[0]?.textContent).toContain(
        '["orders","1"] skipped (current: the cache already has the entity at the broadcast\'s version or newer)',
      ),
    )
    expect(signals()[0]?.textContent).toContain('order.updated entity 1 at version 1')
    expect(screen.getByText('order v1')).toBeTruthy()

    await act(() => server.backend.broadcast('order', 'updated', { entity_id: '1', entity_version: 2 }))
    await screen.findByText('order v2')
    await vi.waitFor(() => expect(signals()[0]?.textContent).toMatch(/\["orders","1"\] refetched in/))
  })

  it('shows a server resync with its cause, and a pending optimistic change until it settles', async () => {
    const { server, queryClient } = await setup(<SyncDevtoolsPanel defaultOpen />)
    await act(async () => server.backend.sendResync(['order']))
    await vi.waitFor(() =>
      expect(signals()[0]?.textContent).toContain(
        "order.resync (the server's fan-out may have lost broadcasts)",
      ),
    )
    await vi.waitFor(() => expect(signals()[0]?.textContent).toMatch(/\["orders","1"\] refetched in/))

    let answer!: () => void
    const saved = getSyncClient(queryClient).mutate({
      patches: [updateEntityPatch({ root: 'orders' }, '1', { notes: 'typed' })],
      request: () =>
        new Promise<void>((resolve) => {
          answer = resolve
        }),
    })
    const pending = await screen.findByRole('list', { name: 'Pending optimistic changes' })
    expect(pending.textContent).toBe('#1 update orders 1 (notes): sending on ["orders","1"]')
    await act(async () => {
      answer()
      await saved
    })
    expect(screen.queryByRole('list', { name: 'Pending optimistic changes' })).toBeNull()
    expect(screen.getByTestId('sync-devtools-finished').textContent).toContain(
      '#1 update orders 1 (notes) settled',
    )
  })

  it('opens without what happened before it, but with the changes pending already', async () => {
    const { server, queryClient } = await setup(null)
    await act(() => server.backend.broadcast('order', 'updated', { entity_id: '1' }))
    await screen.findByText('order v2')
    const registry = getSyncClient(queryClient).optimistic
    registry.add(updateEntityPatch({ root: 'orders' }, '1', { notes: 'x' }))
    cleanup()
    render(
      <QueryClientProvider client={queryClient}>
        <SyncDevtoolsPanel defaultOpen client={null} />
      </QueryClientProvider>,
    )
    expect(await screen.findByText('No broadcasts yet.')).toBeTruthy()
    expect(screen.getByRole('list', { name: 'Pending optimistic changes' }).textContent).toBe(
      '#1 update orders 1 (notes): sending',
    )
    expect(screen.queryByTestId('sync-devtools-state')).toBeNull()
  })

  it('as a TanStack Devtools plugin: an always-open panel rendered in the app tree', async () => {
    const plugin = syncDevtoolsPlugin()
    expect(plugin.id).toBe('sync-patterns')
    expect(plugin.name).toBe('sync-patterns')
    const { server } = await setup(plugin.render)
    const panel = screen.getByRole('region', { name: 'sync-patterns devtools' })
    expect(panel.tagName).toBe('SECTION')
    await act(() => server.backend.broadcast('order', 'updated', { entity_id: '1' }))
    await vi.waitFor(() => expect(signals()[0]?.textContent).toMatch(/refetched in/))
  })
})
