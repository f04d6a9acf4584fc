// @vitest-environment happy-dom

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiError, isApiError } from '../../sync-patterns/src/runtime/core/index.js'
import { configureClient } from './__generated__/fastapi-orders/client/config'
import { orderApi } from './__generated__/fastapi-orders/client/order'
import { tokenApi } from './__generated__/fastapi-orders/client/token'
import { useOrder, useOrders } from './__generated__/fastapi-orders/entities/order'
import { useUserMe } from './__generated__/fastapi-orders/entities/user'
import { useAddOrderItem, useCreateOrder } from './__generated__/fastapi-orders/hooks/useOrderMutations'

// The hooks generated from fixtures/fastapi-orders.openapi.json (dumped from the FastAPI app in
// fixtures/fastapi-orders/app.py) against a Node server answering in FastAPI's shapes, as Debian's
// FastAPI 0.92 / pydantic 1.10 answers: integer ids, `null` for Optional fields, collection paths
// with a trailing slash (FastAPI redirects `/orders` with a 307), 422 bodies with a `detail` list,
// `{"detail": "..."}` for HTTPException, and the OAuth2 password form.

interface Row {
  id: number
  table: string
  status: string
  notes: string | null
  guests: number
  items: {
    id: number
    menu_item_id: number
    name: string
    quantity: number
    unit_price: number
    notes: string | null
  }[]
  total: number
  version: number
  created_at: string
}

const orders = new Map<number, Row>()
let nextId = 1
let server: ReturnType<typeof createServer>
let baseUrl = ''
const forms: URLSearchParams[] = []

const missing = (loc: (string | number)[]) => ({ loc, msg: 'field required', type: 'value_error.missing' })

// What FastAPI's CORSMiddleware answers for a page on another origin (happy-dom checks it).
const cors = { 'access-control-allow-origin': '*' }

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json', ...cors })
  res.end(JSON.stringify(body))
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  let text = ''
  for await (const chunk of req) text += chunk
  const url = new URL(req.url ?? '/', 'http://x')
  const path = url.pathname
  if (req.method === 'OPTIONS') {
    res.writeHead(200, {
      ...cors,
      'access-control-allow-methods': '*',
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
    })
    return res.end()
  }
  const json = () => (text ? (JSON.parse(text) as Record<string, unknown>) : {})
  if (path === '/orders' || path === '/users/me/') {
    res.writeHead(307, { location: path === '/orders' ? '/orders/' : '/users/me' })
    return res.end()
  }
  if (path === '/orders/' && req.method === 'GET') return send(res, 200, [...orders.values()])
  if (path === '/orders/' && req.method === 'POST') {
    const body = json()
    if (typeof body.table !== 'string') return send(res, 422, { detail: [missing(['body', 'table'])] })
    const row: Row = {
      id: nextId++,
      table: body.table,
      status: 'open',
      notes: typeof body.notes === 'string' ? body.notes : null,
      guests: typeof body.guests === 'number' ? body.guests : 1,
      items: [],
      total: 0,
      version: 1,
      created_at: new Date().toISOString(),
    }
    orders.set(row.id, row)
    return send(res, 201, row)
  }
  const detail = /^\/orders\/([^/]+)$/.exec(path)
  if (detail && req.method === 'GET') {
    const id = Number(detail[1])
    if (!Number.isInteger(id))
      return send(res, 422, {
        detail: [
          { loc: ['path', 'order_id'], msg: 'value is not a valid integer', type: 'type_error.integer' },
        ],
      })
    const row = orders.get(id)
    return row ? send(res, 200, row) : send(res, 404, { detail: 'Order not found' })
  }
  const items = /^\/orders\/(\d+)\/items\/$/.exec(path)
  if (items && req.method === 'POST') {
    const row = orders.get(Number(items[1]))
    if (!row) return send(res, 404, { detail: 'Order not found' })
    const body = json()
    const quantity = body.quantity ?? 1
    const errors = []
    if (typeof body.menu_item_id !== 'number') errors.push(missing(['body', 'menu_item_id']))
    if (typeof quantity !== 'number' || quantity < 1)
      errors.push({
        loc: ['body', 'quantity'],
        msg: 'ensure this value is greater than or equal to 1',
        type: 'value_error.number.not_ge',
        ctx: { limit_value: 1 },
      })
    if (errors.length > 0) return send(res, 422, { detail: errors })
    row.items.push({
      id: row.items.length + 1,
      menu_item_id: body.menu_item_id as number,
      name: 'Burger',
      quantity: quantity as number,
      unit_price: 900,
      notes: null,
    })
    row.total += 900 * (quantity as number)
    row.version++
    return send(res, 201, row)
  }
  if (path === '/token' && req.method === 'POST') {
    if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded'))
      return send(res, 422, { detail: [missing(['body', 'username']), missing(['body', 'password'])] })
    const form = new URLSearchParams(text)
    forms.push(form)
    return send(res, 200, { access_token: `token-${form.get('username')}`, token_type: 'bearer' })
  }
  if (path === '/users/me' && req.method === 'GET') {
    if (req.headers.authorization !== 'Bearer token-alice')
      return send(res, 401, { detail: 'Not authenticated' })
    return send(res, 200, { id: 1, username: 'alice', full_name: null })
  }
  send(res, 404, { detail: 'Not Found' })
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  configureClient({ baseUrl })
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

function wrapper() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 60_000 } } })
  return ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
  )
}

describe('generated hooks against FastAPI’s shapes', () => {
  it('creates an order with only its required fields; the list shows the server’s row', async () => {
    const { result } = renderHook(
      () => ({ list: useOrders({ autoRefresh: false }), create: useCreateOrder() }),
      {
        wrapper: wrapper(),
      },
    )
    await waitFor(() => expect(result.current.list.data).toBeDefined())
    // notes and guests have server defaults: a request may leave them out.
    let created: Awaited<ReturnType<typeof orderApi.create>> | undefined
    await act(async () => {
      created = await result.current.create.mutateAsync({ table: 'T1' })
    })
    expect(created).toMatchObject({
      id: expect.any(Number),
      table: 'T1',
      notes: null,
      guests: 1,
      status: 'open',
    })
    await waitFor(() => expect(result.current.list.data?.map((o) => o.table)).toContain('T1'))
  })

  it('a 422 names the fields, keeps the detail list and rolls the optimistic item back', async () => {
    const order = await orderApi.create({ table: 'T2' })
    const { result } = renderHook(
      () => ({ order: useOrder(order.id, { autoRefresh: false }), add: useAddOrderItem(order.id) }),
      { wrapper: wrapper() },
    )
    await waitFor(() => expect(result.current.order.data).toBeDefined())
    let error: unknown
    await act(async () => {
      error = await result.current.add.mutateAsync({ menu_item_id: 7, quantity: 0 }).catch((e: unknown) => e)
    })
    expect(isApiError(error)).toBe(true)
    const apiError = error as ApiError
    expect(apiError.status).toBe(422)
    expect(apiError.message).toBe(
      `POST ${baseUrl}/orders/${order.id}/items/ failed with 422: quantity: ensure this value is greater than or equal to 1`,
    )
    expect(apiError.validationErrors?.[0]).toMatchObject({
      loc: ['body', 'quantity'],
      ctx: { limit_value: 1 },
    })
    await waitFor(() => expect(result.current.order.data?.items).toEqual([]))
    // quantity has a default: an item with only its menu item is accepted.
    await act(async () => {
      await result.current.add.mutateAsync({ menu_item_id: 7 })
    })
    await waitFor(() => expect(result.current.order.data?.items.map((i) => i.quantity)).toEqual([1]))
  })

  it('a FastAPI string detail is the message; integer path ids go through as given', async () => {
    const error = await orderApi.get(404_404).catch((e: unknown) => e)
    expect((error as ApiError).message).toBe(`GET ${baseUrl}/orders/404404 failed with 404: Order not found`)
  })

  it('logs in with the OAuth2 password form (scope left out) and reads the user with useUserMe', async () => {
    const token = await tokenApi.create({ username: 'alice', password: 'secret' })
    expect(forms.at(-1)?.get('username')).toBe('alice')
    expect(forms.at(-1)?.has('scope')).toBe(false)
    configureClient({ headers: { authorization: `Bearer ${token.access_token}` } })
    const { result } = renderHook(() => useUserMe(), { wrapper: wrapper() })
    await waitFor(() => expect(result.current.data).toEqual({ id: 1, username: 'alice', full_name: null }))
  })
})
