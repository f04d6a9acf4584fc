// @vitest-environment happy-dom
/// <reference types="vite/client" />
/**
 * SYNC-012 Phase 2's examples, as the spec writes them (§2.1 client, §2.2 provider, §2.3 OrderList and
 * OrderEditForm, "Connection Status Indicator"), imported from the package's public entry point.
 * `npm test` typechecks this file, so the spec's code compiles against our API; the tests run it
 * against the real server. Only things the spec takes from elsewhere (router, table, banner,
 * useOrders) are stand-ins.
 */
import {
  BroadcastClient,
  BroadcastProvider,
  getBroadcastClient,
  initBroadcast,
  useBroadcastInvalidation,
  useBroadcastState,
} from '@pattern-stack/sync-patterns/runtime'
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query'
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { type ReactNode, useState } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { type RealServer, startRealServer } from './real-server.js'

// The spec's code uses the platform WebSocket; Node 20 has none, so `ws` plays the browser's.
vi.stubGlobal('WebSocket', WebSocket)

let s: RealServer
afterEach(async () => {
  cleanup()
  vi.unstubAllEnvs()
  await s?.close()
})

// ── stand-ins for what the spec imports from the app and other libraries ──
const log: string[] = []
const console = { log: (...parts: unknown[]) => log.push(parts.map(String).join(' ')) }
let listCalls = 0
function useOrders() {
  return useQuery({
    queryKey: ['orders'],
    queryFn: async () => {
      listCalls += 1
      return [{ id: '1', version: listCalls }]
    },
  })
}
function OrderTable({ orders }: { orders: { id: string; version: number }[] | undefined }) {
  return <p>orders: {orders?.map((o) => `${o.id}@${o.version}`).join(',')}</p>
}
function Banner({ variant, children }: { variant: 'warning' | 'error'; children: ReactNode }) {
  return (
    <div role="status" data-variant={variant}>
      {children}
    </div>
  )
}
const router = { element: null as ReactNode }
function RouterProvider({ router }: { router: { element: ReactNode } }) {
  return <>{router.element}</>
}
const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 1000 * 60, retry: 1 } } })

// ── §2.1 Broadcast Client, verbatim but for the URL ──
function specClientExample(url: string) {
  // Initialize (typically in BroadcastProvider)
  const client = initBroadcast(url, {
    maxReconnectAttempts: 10, // default
    reconnectDelay: 1000, // default, uses exponential backoff
  })

  // Subscribe to channel
  const unsubscribe = client.subscribe('order', (event) => {
    console.log('Order event:', event.channel, event.event, event.payload)
  })

  // Monitor connection state
  const removeListener = client.onStateChange((state) => {
    console.log('Connection state:', state) // 'connecting' | 'connected' | 'disconnected' | 'reconnecting'
  })

  // Cleanup
  const cleanupExample = () => {
    unsubscribe()
    client.disconnect()
  }
  return { client, removeListener, cleanupExample }
}

// ── §2.2 React Provider ──
function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <BroadcastProvider url={import.meta.env.VITE_BROADCAST_URL}>
        <RouterProvider router={router} />
      </BroadcastProvider>
    </QueryClientProvider>
  )
}

// ── §2.3 Query Invalidation Hook ──
function OrderList() {
  // Invalidate all order queries when any order event occurs
  useBroadcastInvalidation({
    channel: 'order',
    queryKeyPrefix: ['orders'],
  })

  const { data: orders } = useOrders()
  return <OrderTable orders={orders} />
}

function OrderEditForm({ id }: { id: string }) {
  const [isEditing, setIsEditing] = useState(false)

  // Disable auto-refresh while editing to prevent data loss
  useBroadcastInvalidation({
    channel: 'order',
    queryKeyPrefix: ['orders', id],
    enabled: !isEditing,
  })

  // ...
  return (
    <button type="button" onClick={() => setIsEditing(!isEditing)}>
      {isEditing ? 'editing' : 'edit'}
    </button>
  )
}

// ── Connection Status Indicator ──
function ConnectionStatus() {
  const state = useBroadcastState()

  if (state === 'connected') return null

  return (
    <Banner variant={state === 'reconnecting' ? 'warning' : 'error'}>
      {state === 'reconnecting' ? 'Reconnecting...' : 'Disconnected'}
    </Banner>
  )
}

describe("the spec's Phase 2 examples", () => {
  it('§2.1: initBroadcast, subscribe, onStateChange, unsubscribe, disconnect', async () => {
    s = await startRealServer()
    const { client, removeListener, cleanupExample } = specClientExample(s.url)
    expect(client).toBeInstanceOf(BroadcastClient)
    expect(getBroadcastClient()).toBe(client)
    expect(initBroadcast(s.url)).toBe(client) // the singleton
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    await s.backend.broadcast('order', 'item_added', { entity_id: '123', item_id: '9' })
    await vi.waitFor(() => expect(log).toContain('Order event: order item_added [object Object]'))
    expect(log).toContain('Connection state: connected')
    cleanupExample()
    removeListener()
    await vi.waitFor(() => expect(s.backend.getTotalConnections()).toBe(0))
    expect(client.state).toBe('disconnected')
  })

  it('§2.2/§2.3 + ConnectionStatus: App, OrderList, OrderEditForm behave as described', async () => {
    s = await startRealServer()
    vi.stubEnv('VITE_BROADCAST_URL', s.url)
    router.element = (
      <>
        <ConnectionStatus />
        <OrderList />
        <OrderEditForm id="1" />
      </>
    )
    render(<App />)
    expect(screen.getByRole('status').textContent).toBe('Disconnected') // not connected yet
    await screen.findByText('orders: 1@1')
    await vi.waitFor(() => expect(screen.queryByRole('status')).toBeNull()) // connected: no banner
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    expect(s.backend.getTotalConnections()).toBe(1)

    // An order event refreshes the list.
    await act(() => s.backend.broadcast('order', 'item_added', { entity_id: '1', item_id: '2' }))
    await screen.findByText('orders: 1@2')

    // While editing, the form's hook holds back; OrderList's own hook still refreshes the list.
    fireEvent.click(screen.getByText('edit'))
    await act(() => s.backend.broadcast('order', 'updated', { entity_id: '1' }))
    await screen.findByText('orders: 1@3')

    // The server goes away: the banner says so.
    await act(() => s.close())
    await vi.waitFor(() => expect(screen.getByRole('status').textContent).toBe('Reconnecting...'))
    expect(screen.getByRole('status').dataset.variant).toBe('warning')
  })
})
