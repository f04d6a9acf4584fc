// @vitest-environment happy-dom
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query'
import { act, cleanup, render, screen } from '@testing-library/react'
import { type ReactNode, StrictMode, useState } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import {
  getBroadcastClient,
  initBroadcast,
  setBroadcastClient,
} from '../../src/runtime/core/broadcast-singleton.js'
import { BroadcastProvider } from '../../src/runtime/react/broadcast-provider.js'
import { useBroadcast } from '../../src/runtime/react/use-broadcast.js'
import { useBroadcastInvalidation } from '../../src/runtime/react/use-broadcast-invalidation.js'
import { useBroadcastState } from '../../src/runtime/react/use-broadcast-state.js'
import { type RealServer, startRealServer } from './real-server.js'

const servers: RealServer[] = []
afterEach(async () => {
  cleanup()
  vi.restoreAllMocks()
  for (const s of servers.splice(0)) await s.close()
})

async function server(port?: number) {
  const s = await startRealServer(port)
  servers.push(s)
  return s
}

function newQueryClient() {
  return new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 60_000 } } })
}

function Providers({
  url,
  queryClient,
  children,
}: {
  url: string
  queryClient: QueryClient
  children: ReactNode
}) {
  return (
    <QueryClientProvider client={queryClient}>
      <BroadcastProvider url={url} options={{ WebSocket, reconnectDelay: 20, maxReconnectDelay: 100 }}>
        {children}
      </BroadcastProvider>
    </QueryClientProvider>
  )
}

/** Counts real queryFn calls per key. */
function counter() {
  const calls = new Map<string, number>()
  return {
    calls,
    fn: (key: string) => async () => {
      const n = (calls.get(key) ?? 0) + 1
      calls.set(key, n)
      return n
    },
  }
}

const broadcastMany = async (s: RealServer, count: number, entityId: string) => {
  for (let i = 0; i < count; i++) await s.backend.broadcast('order', 'updated', { entity_id: entityId })
}

type QueryFn = () => Promise<number>

function OrderList({ queryFn }: { queryFn: QueryFn }) {
  useBroadcastInvalidation({ channel: 'order', queryKeyPrefix: ['orders'] })
  const { data } = useQuery({ queryKey: ['orders'], queryFn })
  return <p>list v{data}</p>
}

function TwoChannels() {
  useBroadcastInvalidation({ channel: 'order', queryKeyPrefix: ['orders'] })
  useBroadcastInvalidation({ channel: 'contact', queryKeyPrefix: ['contacts'] })
  return <p>{useBroadcastState()}</p>
}

function OrderEditForm({
  id,
  queryFn,
  editing,
}: {
  id: string
  queryFn: QueryFn
  editing: { set?: (v: boolean) => void }
}) {
  const [isEditing, set] = useState(false)
  editing.set = set
  useBroadcastInvalidation({ channel: 'order', queryKeyPrefix: ['orders', id], enabled: !isEditing })
  const { data } = useQuery({ queryKey: ['orders', id], queryFn })
  return <p>order v{data}</p>
}

function Status({ queryFn }: { queryFn: QueryFn }) {
  useBroadcastInvalidation({ channel: 'order', queryKeyPrefix: ['orders'] })
  const { data } = useQuery({ queryKey: ['orders', '1'], queryFn })
  return (
    <p>
      {useBroadcastState()} v{data}
    </p>
  )
}

function Orphan() {
  useBroadcast()
  return null
}

/** Records every state it renders with and every `subscribe` function it was given. */
function StateProbe({ states, subscribes }: { states: string[]; subscribes: Set<unknown> }) {
  const { state, subscribe } = useBroadcast()
  states.push(state)
  subscribes.add(subscribe)
  return <p>state {state}</p>
}

describe('BroadcastProvider and hooks (happy-dom, real QueryClient, real server)', () => {
  it('OrderList: a burst of events for one order refetches the list once', async () => {
    const s = await server()
    const count = counter()
    render(
      <Providers url={s.url} queryClient={newQueryClient()}>
        <OrderList queryFn={count.fn('list')} />
      </Providers>,
    )
    await screen.findByText('list v1')
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    await act(() => broadcastMany(s, 20, '1'))
    await screen.findByText('list v2')
    await act(() => new Promise((r) => setTimeout(r, 100)))
    expect(count.calls.get('list')).toBe(2)
  })

  it('React StrictMode leaves exactly one socket and one subscription; unmount closes it', async () => {
    const s = await server()
    const view = render(
      <StrictMode>
        <Providers url={s.url} queryClient={newQueryClient()}>
          <TwoChannels />
        </Providers>
      </StrictMode>,
    )
    await screen.findByText('connected')
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('contact')).toBe(1))
    await act(() => new Promise((r) => setTimeout(r, 100)))
    expect(s.backend.getTotalConnections()).toBe(1)
    expect(s.backend.getSubscriberCount('order')).toBe(1)
    expect(getBroadcastClient()).not.toBeNull() // the provider's client is the app's client while mounted
    view.unmount()
    await vi.waitFor(() => expect(s.backend.getTotalConnections()).toBe(0))
    expect(getBroadcastClient()).toBeNull()
  })

  it('OrderEditForm: enabled=false holds refetches; enabling again invalidates once', async () => {
    const s = await server()
    const count = counter()
    const editing: { set?: (v: boolean) => void } = {}
    render(
      <Providers url={s.url} queryClient={newQueryClient()}>
        <OrderEditForm id="7" queryFn={count.fn('7')} editing={editing} />
      </Providers>,
    )
    await screen.findByText('order v1')
    await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
    act(() => editing.set?.(true))
    await act(() => broadcastMany(s, 5, '7'))
    await act(() => new Promise((r) => setTimeout(r, 150)))
    expect(count.calls.get('7')).toBe(1) // the draft is safe
    act(() => editing.set?.(false))
    await screen.findByText('order v2')
    await act(() => new Promise((r) => setTimeout(r, 100)))
    expect(count.calls.get('7')).toBe(2)
  })

  it('useBroadcastState follows the connection; a restarted server brings a resync that refetches', async () => {
    const first = await startRealServer()
    const count = counter()
    render(
      <Providers url={first.url} queryClient={newQueryClient()}>
        <Status queryFn={count.fn('1')} />
      </Providers>,
    )
    await screen.findByText('connected v1')
    await vi.waitFor(() => expect(first.backend.getSubscriberCount('order')).toBe(1))
    await act(() => first.close())
    await screen.findByText('reconnecting v1')
    const second = await server(first.port)
    await screen.findByText('connected v2', {}, { timeout: 5000 }) // resync after reconnect refetched
    expect(second.backend.getSubscriberCount('order')).toBe(1)
  })

  it("without a provider, useBroadcastInvalidation uses initBroadcast's client", async () => {
    const s = await server()
    const client = initBroadcast(s.url, { WebSocket })
    const count = counter()
    try {
      render(
        <QueryClientProvider client={newQueryClient()}>
          <OrderList queryFn={count.fn('list')} />
        </QueryClientProvider>,
      )
      await screen.findByText('list v1')
      await vi.waitFor(() => expect(s.backend.getSubscriberCount('order')).toBe(1))
      await act(() => s.backend.broadcast('order', 'created', { entity_id: '5' }))
      await screen.findByText('list v2')
    } finally {
      client.disconnect()
      setBroadcastClient(null)
    }
  })

  it('reports connecting (never disconnected) before the first connection, and keeps subscribe stable', async () => {
    const s = await server()
    const states: string[] = []
    const subscribes = new Set<unknown>()
    render(
      <Providers url={s.url} queryClient={newQueryClient()}>
        <StateProbe states={states} subscribes={subscribes} />
      </Providers>,
    )
    await screen.findByText('state connected')
    expect(states[0]).toBe('connecting')
    expect(states).not.toContain('disconnected')
    // One subscribe function across the state changes, so effects that depend on it do not resubscribe.
    expect(subscribes.size).toBe(1)
  })

  it('useBroadcast outside a provider names the problem', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(() => render(<Orphan />)).toThrow(/inside <BroadcastProvider/)
  })

  it('BroadcastProvider without a url names the problem', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(() => render(<BroadcastProvider url={undefined} />)).toThrow(/needs a url/)
  })

  it('BroadcastProvider refuses a sameFrameUpdates that is not a boolean (Chromium tests the behaviour)', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(() =>
      render(<BroadcastProvider url="ws://127.0.0.1:1/ws/broadcast" sameFrameUpdates={'no' as never} />),
    ).toThrow(/sameFrameUpdates must be true or false, got "no"/)
  })
})
