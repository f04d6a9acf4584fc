// @vitest-environment happy-dom

import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { diffOutput, generateFiles } from '../src/index.js'
import { useOrder, useOrders } from './__generated__/orders-fastify/entities/order'
import {
  useAddOrderItem,
  useCreateOrder,
  useUpdateOrder,
} from './__generated__/orders-fastify/hooks/useOrderMutations'
import { BroadcastProvider } from './__generated__/orders-fastify/runtime/BroadcastProvider'
import type { Order } from './__generated__/orders-fastify/schemas/order.schema'
import { createDraftOrder, startOrdersServer } from './orders-server'

// Behaviour of the generated optimistic hooks against the real Orders server, which delays or
// refuses requests on its side (X-Test-Fault), with a real QueryClient and React renders.

let orders: Awaited<ReturnType<typeof startOrdersServer>>

// Starting the server (tsx + PGlite + migrations) can take a while on a busy machine.
beforeAll(async () => {
  orders = await startOrdersServer()
}, 120_000)
afterAll(async () => {
  await orders?.close()
})

function setup() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 60_000 } } })
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
  )
  orders.faults = () => undefined
  orders.dropResponse = () => false
  orders.timeoutMs = () => undefined
  return { queryClient, wrapper }
}

const itemNames = (order: Order | undefined) => order?.items.map((i) => i.name) ?? null
const sentName = (body: string | undefined) =>
  body ? (JSON.parse(body) as { name?: string }).name : undefined

describe('the hooks under test', () => {
  it("are what the generator makes from the running Orders server's /openapi.json (URL input)", async () => {
    const { files } = await generateFiles(`${orders.server.baseUrl}/openapi.json`)
    const committed = join(dirname(fileURLToPath(import.meta.url)), '__generated__/orders-fastify')
    // If this fails, the server's API changed: regenerate __generated__/orders-fastify and the web app's copy.
    expect(await diffOutput(committed, files)).toEqual({ added: [], changed: [], stale: [] })
  })
})

describe('generated optimistic mutation hooks (real Orders server)', () => {
  it('concurrent mutations on one order: a failed one rolls back only its own change', async () => {
    const { id } = await createDraftOrder(orders.server.baseUrl)
    const { wrapper } = setup()
    // The server holds "Burger" 400 ms then adds it; it holds "Fries" 100 ms then refuses it.
    orders.faults = (r) =>
      sentName(r.body) === 'Burger'
        ? 'delay=400'
        : sentName(r.body) === 'Fries'
          ? 'delay=100,fail=500'
          : undefined
    const seen: (string[] | null)[] = []
    const { result } = renderHook(
      () => {
        const order = useOrder(id, { autoRefresh: false })
        seen.push(itemNames(order.data))
        return { order, burger: useAddOrderItem(id), fries: useAddOrderItem(id) }
      },
      { wrapper },
    )
    await waitFor(() => expect(result.current.order.data).toBeDefined())
    const burger = result.current.burger.mutateAsync({ name: 'Burger', quantity: 1, unit_price: 900 })
    const fries = result.current.fries.mutateAsync({ name: 'Fries', quantity: 1, unit_price: 300 })
    await waitFor(() => expect(itemNames(result.current.order.data)).toEqual(['Burger', 'Fries']))

    await expect(fries).rejects.toMatchObject({ status: 500 })
    await waitFor(() => expect(itemNames(result.current.order.data)).toEqual(['Burger']))
    expect(result.current.burger.isPending).toBe(true)

    await act(() => burger)
    expect(itemNames(result.current.order.data)).toEqual(['Burger'])
    // Burger was on screen from the moment it was added to the end: never rolled back with Fries.
    const fromBurger = seen.slice(seen.findIndex((s) => s?.includes('Burger')))
    expect(fromBurger.every((s) => s?.includes('Burger'))).toBe(true)
  })

  it('a refetch landing while a change is pending never shows data without it', async () => {
    const { id } = await createDraftOrder(orders.server.baseUrl, 'before')
    const { queryClient, wrapper } = setup()
    orders.faults = (r) => (sentName(r.body) === 'Soup' ? 'delay=500' : undefined)
    const seen: (string[] | null)[] = []
    const { result } = renderHook(
      () => {
        const order = useOrder(id, { autoRefresh: false })
        seen.push(itemNames(order.data))
        return { order, add: useAddOrderItem(id), update: useUpdateOrder() }
      },
      { wrapper },
    )
    await waitFor(() => expect(result.current.order.data).toBeDefined())
    const version = result.current.order.data?.version ?? 0
    const soup = result.current.add.mutateAsync({ name: 'Soup', quantity: 2, unit_price: 450 })
    await waitFor(() => expect(itemNames(result.current.order.data)).toEqual(['Soup']))

    // Another mutation succeeds meanwhile; its confirming refetch brings server data without Soup.
    await act(() => result.current.update.mutateAsync({ id, data: { notes: 'after' }, version }))
    expect(result.current.order.data?.notes).toBe('after')
    expect(itemNames(result.current.order.data)).toEqual(['Soup'])
    // So does a plain refetch.
    await act(() => queryClient.refetchQueries({ queryKey: ['orders', id] }))
    expect(itemNames(result.current.order.data)).toEqual(['Soup'])

    await act(() => soup)
    const fromSoup = seen.slice(seen.findIndex((s) => s?.includes('Soup')))
    expect(fromSoup.every((s) => s?.includes('Soup'))).toBe(true)
  })

  it('no flicker: old, then optimistic, then server value; pending until the confirming refetch landed', async () => {
    const { id, version } = await createDraftOrder(orders.server.baseUrl, 'old')
    const { queryClient, wrapper } = setup()
    orders.faults = (r) => (r.method === 'PATCH' ? 'delay=300' : undefined)
    const seen: (string | null | undefined)[] = []
    const { result } = renderHook(
      () => {
        const order = useOrder(id, { autoRefresh: false })
        seen.push(order.data?.notes)
        return { order, update: useUpdateOrder() }
      },
      { wrapper },
    )
    await waitFor(() => expect(result.current.order.data?.notes).toBe('old'))
    let settledWith: Order | undefined
    const saved = result.current.update.mutateAsync({ id, data: { notes: 'new' }, version }).then(() => {
      settledWith = queryClient.getQueryData<Order>(['orders', id])
    })
    await waitFor(() => expect(result.current.order.data?.notes).toBe('new'))
    expect(result.current.update.isPending).toBe(true)
    await act(() => saved)
    // When the mutation settled, the cache already held the server's data (its version moved on).
    expect(settledWith?.version).toBe(version + 1)
    const distinct = seen.filter((v, i) => v !== undefined && v !== seen[i - 1])
    expect(distinct).toEqual(['old', 'new'])
  })

  it('creates use a client-generated id: one row per id in every list snapshot, the same id before and after', async () => {
    const { queryClient, wrapper } = setup()
    orders.faults = (r) => (r.method === 'POST' && r.url.endsWith('/orders') ? 'delay=300' : undefined)
    const snapshots: Order[][] = []
    const { result } = renderHook(
      () => {
        const list = useOrders({ autoRefresh: false })
        if (list.data) snapshots.push(list.data)
        return { list, create: useCreateOrder() }
      },
      { wrapper },
    )
    await waitFor(() => expect(result.current.list.data).toBeDefined())
    const created = result.current.create.mutateAsync({ notes: 'new order' })
    await waitFor(() => expect(result.current.list.data?.some((o) => o.notes === 'new order')).toBe(true))
    const optimisticId = result.current.list.data?.find((o) => o.notes === 'new order')?.id
    expect(optimisticId).toMatch(/^[0-9a-f-]{36}$/)
    // A refetch while the create is in flight, and the confirming one, must not duplicate the row.
    await act(() => queryClient.refetchQueries({ queryKey: ['orders'] }))
    const order = await act(() => created)
    expect(order.id).toBe(optimisticId)
    for (const snapshot of snapshots)
      expect(snapshot.filter((o) => o.id === optimisticId).length).toBeLessThanOrEqual(1)
    expect(result.current.list.data?.filter((o) => o.id === optimisticId)).toHaveLength(1)
  })

  it('a retry reuses its Idempotency-Key, so the server applies the change once', async () => {
    const { id } = await createDraftOrder(orders.server.baseUrl)
    const { wrapper } = setup()
    // The server adds the item, but the response is lost: the hook retries with the same key.
    let dropped = false
    orders.dropResponse = (r) => {
      if (dropped || r.method !== 'POST' || sentName(r.body) !== 'Tea') return false
      dropped = true
      return true
    }
    const { result } = renderHook(
      () => ({ order: useOrder(id, { autoRefresh: false }), add: useAddOrderItem(id, { retry: 2 }) }),
      {
        wrapper,
      },
    )
    await waitFor(() => expect(result.current.order.data).toBeDefined())
    const before = orders.sent.length
    await act(() => result.current.add.mutateAsync({ name: 'Tea', quantity: 1, unit_price: 250 }))
    const posts = orders.sent.slice(before).filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(2)
    expect(posts[0]?.headers['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
    expect(posts[1]?.headers['Idempotency-Key']).toBe(posts[0]?.headers['Idempotency-Key'])
    expect(itemNames(result.current.order.data)).toEqual(['Tea'])
  })

  it('a retry that finds its first attempt still running waits as told (409 + Retry-After), then gets its result', async () => {
    const { id } = await createDraftOrder(orders.server.baseUrl)
    const { wrapper } = setup()
    // The first attempt times out on the client while the server still works on it (1.5 s): the
    // retry, with the same key, gets 409 "in progress" with Retry-After until the first finishes.
    let first = true
    orders.faults = (r) =>
      r.method === 'POST' && sentName(r.body) === 'Soup' && first ? 'delay=1500' : undefined
    orders.timeoutMs = (r) => {
      if (r.method !== 'POST' || sentName(r.body) !== 'Soup' || !first) return undefined
      first = false
      return 200
    }
    const { result } = renderHook(
      () => ({ order: useOrder(id, { autoRefresh: false }), add: useAddOrderItem(id, { retry: 5 }) }),
      { wrapper },
    )
    await waitFor(() => expect(result.current.order.data).toBeDefined())
    const before = orders.sent.length
    await act(() => result.current.add.mutateAsync({ name: 'Soup', quantity: 1, unit_price: 400 }))
    const posts = orders.sent.slice(before).filter((r) => r.method === 'POST')
    expect(posts.length).toBeGreaterThanOrEqual(3) // timed out, then at least one 409, then the replay
    expect(new Set(posts.map((p) => p.headers['Idempotency-Key'])).size).toBe(1)
    expect(itemNames(result.current.order.data)).toEqual(['Soup'])
  }, 15_000)

  it('a stale version gets 409: the change is rolled back and the error has status 409', async () => {
    const { id, version } = await createDraftOrder(orders.server.baseUrl, 'server')
    const { wrapper } = setup()
    orders.faults = (r) => (r.method === 'PATCH' ? 'delay=200' : undefined)
    const seen: (string | null | undefined)[] = []
    const { result } = renderHook(
      () => {
        const order = useOrder(id, { autoRefresh: false })
        seen.push(order.data?.notes)
        return { order, update: useUpdateOrder() }
      },
      { wrapper },
    )
    await waitFor(() => expect(result.current.order.data?.notes).toBe('server'))
    let status: number | undefined
    act(() => {
      result.current.update.mutate(
        { id, data: { notes: 'mine' }, version: version + 5 },
        { onError: (err) => (status = err.status) },
      )
    })
    await waitFor(() => expect(result.current.order.data?.notes).toBe('mine'))
    await waitFor(() => expect(result.current.update.isError).toBe(true))
    expect(status).toBe(409)
    expect(result.current.update.error?.status).toBe(409)
    expect(result.current.order.data?.notes).toBe('server')
  })

  it("broadcasts: another client's edit arrives, and never hides a change still pending here", async () => {
    const { id, version } = await createDraftOrder(orders.server.baseUrl, 'before')
    const { queryClient } = setup()
    const wsUrl = `${orders.server.baseUrl.replace('http', 'ws')}/ws/broadcast`
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={queryClient}>
        <BroadcastProvider url={wsUrl} options={{ WebSocket: WebSocket as never }}>
          {children}
        </BroadcastProvider>
      </QueryClientProvider>
    )
    orders.faults = (r) => (sentName(r.body) === 'Cake' ? 'delay=800' : undefined)
    const seen: { notes: string | null | undefined; items: string[] | null }[] = []
    const { result, unmount } = renderHook(
      () => {
        const order = useOrder(id) // autoRefresh on: broadcasts on 'order' invalidate it
        seen.push({ notes: order.data?.notes, items: itemNames(order.data) })
        return { order, add: useAddOrderItem(id) }
      },
      { wrapper },
    )
    await waitFor(() => expect(result.current.order.data?.notes).toBe('before'))
    // Let the socket connect and subscribe before the other client writes.
    await new Promise((r) => setTimeout(r, 300))
    const cake = result.current.add.mutateAsync({ name: 'Cake', quantity: 1, unit_price: 500 })
    await waitFor(() => expect(itemNames(result.current.order.data)).toEqual(['Cake']))

    // Another tablet changes the notes over plain HTTP; the server broadcasts `updated` on 'order'.
    const other = await fetch(`${orders.server.baseUrl}/orders/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ notes: 'from another tablet', version }),
    })
    expect(other.status).toBe(200)
    await act(() => cake)
    await waitFor(() => expect(result.current.order.data?.notes).toBe('from another tablet'))
    expect(itemNames(result.current.order.data)).toEqual(['Cake'])
    const fromCake = seen.slice(seen.findIndex((s) => s.items?.includes('Cake')))
    expect(fromCake.every((s) => s.items?.includes('Cake'))).toBe(true)

    // Nothing of ours pending now: the next edit from the other tablet arrives by broadcast alone.
    const current = await (await fetch(`${orders.server.baseUrl}/orders/${id}`)).json()
    const again = await fetch(`${orders.server.baseUrl}/orders/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ notes: 'second edit', version: (current as Order).version }),
    })
    expect(again.status).toBe(200)
    await waitFor(() => expect(result.current.order.data?.notes).toBe('second edit'))
    unmount() // closes the broadcast socket
  })

  it('a pending update holds back no other order: a broadcast about another one refetches it at once', async () => {
    const x = await createDraftOrder(orders.server.baseUrl, 'x before')
    const y = await createDraftOrder(orders.server.baseUrl, 'y before')
    const { queryClient } = setup()
    const wsUrl = `${orders.server.baseUrl.replace('http', 'ws')}/ws/broadcast`
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={queryClient}>
        <BroadcastProvider url={wsUrl} options={{ WebSocket: WebSocket as never }}>
          {children}
        </BroadcastProvider>
      </QueryClientProvider>
    )
    orders.faults = (r) => (r.body?.includes('ours, slow') ? 'delay=1500' : undefined)
    const seenX: (string | null | undefined)[] = []
    const { result, unmount } = renderHook(
      () => {
        const orderX = useOrder(x.id)
        seenX.push(orderX.data?.notes)
        // useUpdateOrder() is keyed ['orders'] (TanStack fixes the key before mutate names the id).
        return { orderX, orderY: useOrder(y.id), update: useUpdateOrder() }
      },
      { wrapper },
    )
    await waitFor(() => expect(result.current.orderY.data?.notes).toBe('y before'))
    await waitFor(() => expect(result.current.orderX.data?.notes).toBe('x before'))
    await new Promise((r) => setTimeout(r, 300)) // the socket connects and subscribes
    const ours = result.current.update.mutateAsync({
      id: x.id,
      data: { notes: 'ours, slow' },
      version: x.version,
    })
    await waitFor(() => expect(result.current.orderX.data?.notes).toBe('ours, slow'))

    // Another tablet edits order Y; its broadcast refetches Y while our update of X is still pending
    // (the server holds it 1.5 s), instead of waiting for it.
    const other = await fetch(`${orders.server.baseUrl}/orders/${y.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ notes: 'from another tablet', version: y.version }),
    })
    expect(other.status).toBe(200)
    await waitFor(() => expect(result.current.orderY.data?.notes).toBe('from another tablet'))
    expect(result.current.update.isPending).toBe(true)

    await act(() => ours)
    expect(result.current.orderX.data?.notes).toBe('ours, slow')
    expect(seenX.slice(seenX.indexOf('ours, slow')).every((notes) => notes === 'ours, slow')).toBe(true)
    unmount()
  })
})
