import { randomUUID } from 'node:crypto'
import { connect, createServer, type Server, type Socket } from 'node:net'
import {
  BroadcastClient,
  type BroadcastClientOptions,
  type EntityCacheShape,
  getSyncClient,
} from '@pattern-stack/sync-patterns/runtime/core'
import { QueryClient, QueryObserver } from '@tanstack/react-query'
import pg from 'pg'
import WebSocket from 'ws'
import { api } from '../harness.js'

/**
 * A load balancer in front of Orders instances: each new TCP connection (HTTP or WebSocket) goes to
 * the next target, round robin; one that refuses is skipped. `refuse()` turns every connection away
 * (the clients stay disconnected) until `accept()`.
 */
export class Balancer {
  private server: Server | null = null
  private readonly sockets = new Set<Socket>()
  private targets: number[] = []
  private next = 0
  private refusing = false
  port = 0

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  setTargets(ports: number[]): void {
    this.targets = [...ports]
  }

  refuse(): void {
    this.refusing = true
  }

  accept(): void {
    this.refusing = false
  }

  async listen(): Promise<void> {
    const server = createServer((client) => {
      client.on('error', () => client.destroy())
      this.sockets.add(client)
      client.on('close', () => this.sockets.delete(client))
      if (this.refusing || this.targets.length === 0) return void client.destroy()
      this.forward(client, this.targets.length)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    this.port = typeof address === 'object' && address ? address.port : 0
    this.server = server
  }

  private forward(client: Socket, triesLeft: number): void {
    const port = this.targets[this.next++ % this.targets.length] as number
    client.pause()
    const upstream = connect(port, '127.0.0.1')
    upstream.once('connect', () => {
      this.sockets.add(upstream)
      upstream.on('close', () => {
        this.sockets.delete(upstream)
        client.destroy()
      })
      client.on('close', () => upstream.destroy())
      upstream.on('error', () => upstream.destroy())
      client.pipe(upstream).pipe(client)
      client.resume()
    })
    upstream.once('error', () => {
      if (upstream.connecting || !upstream.readable) {
        if (triesLeft > 1) this.forward(client, triesLeft - 1)
        else client.destroy()
      }
    })
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    const server = this.server
    this.server = null
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

interface OrderView {
  id: string
  version: number
}

/**
 * What one tablet of the Orders app keeps: a real `BroadcastClient` and a TanStack `QueryClient`
 * whose queries (order details, and the orders list when asked) stay fresh through the runtime's
 * broadcast invalidation, exactly as the web app's generated hooks do (`cache`: the generated
 * `orderCache`, whose version field skips refetches of data already current). Every GET it makes is
 * recorded in `gets`.
 */
export class Tablet {
  readonly queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: Number.POSITIVE_INFINITY,
        gcTime: Number.POSITIVE_INFINITY,
        retry: 20,
        retryDelay: 100,
      },
    },
  })
  readonly client: BroadcastClient
  readonly gets: string[] = []
  private readonly stops: (() => void)[] = []

  /** `client` replaces the BroadcastClient's quick test defaults (say, with the product's own). */
  constructor(
    readonly baseUrl: string,
    options: { cache?: EntityCacheShape; client?: BroadcastClientOptions } = {},
  ) {
    this.client = new BroadcastClient(`${baseUrl.replace('http', 'ws')}/ws/broadcast`, {
      WebSocket,
      signals: false,
      reconnectDelay: 100,
      maxReconnectDelay: 1000,
      maxReconnectAttempts: Number.POSITIVE_INFINITY,
      logger: {},
      ...options.client,
    })
    const invalidation = getSyncClient(this.queryClient).invalidateOnBroadcast({
      client: this.client,
      channel: 'order',
      queryKeyPrefix: ['orders'],
      ...(options.cache ? { cache: options.cache } : {}),
    })
    this.stops.push(() => invalidation.dispose())
    this.client.connect()
  }

  private async get<T>(path: string): Promise<T> {
    this.gets.push(path)
    const response = await fetch(`${this.baseUrl}${path}`)
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`)
    return (await response.json()) as T
  }

  /** Mounts a screen showing order `id` (a query with an observer, so invalidation refetches it). */
  watchOrder(id: string): void {
    const observer = new QueryObserver(this.queryClient, {
      queryKey: ['orders', id],
      queryFn: () => this.get<OrderView>(`/orders/${id}`),
    })
    this.stops.push(observer.subscribe(() => {}))
  }

  /** Mounts the orders list. */
  watchList(): void {
    const observer = new QueryObserver(this.queryClient, {
      queryKey: ['orders'],
      queryFn: () => this.get<OrderView[]>('/orders'),
    })
    this.stops.push(observer.subscribe(() => {}))
  }

  version(id: string): number | undefined {
    return this.queryClient.getQueryData<OrderView>(['orders', id])?.version
  }

  /** No query fetching or waiting to refetch. */
  get idle(): boolean {
    return this.queryClient.isFetching() === 0 && getSyncClient(this.queryClient).scheduler.pendingCount === 0
  }

  close(): void {
    for (const stop of this.stops.splice(0)) stop()
    this.client.disconnect()
    getSyncClient(this.queryClient).dispose()
    this.queryClient.clear()
  }
}

/** Every order's version as the database has it (the schema of a test's instances). */
export async function versionsInDatabase(url: string, schema: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const result = await client.query<{ id: string; version: number }>(
      `SELECT id, version FROM "${schema}".orders`,
    )
    return new Map(result.rows.map((row) => [row.id, row.version]))
  } finally {
    await client.end()
  }
}

/** Entries of `tablets` whose cached version differs from the database's (empty: converged). */
export function staleEntries(tablets: Tablet[], database: Map<string, number>, ids: string[]): string[] {
  const stale: string[] = []
  tablets.forEach((tablet, t) => {
    for (const id of ids) {
      const cached = tablet.version(id)
      if (cached !== database.get(id)) stale.push(`tablet ${t} order ${id}: ${cached} ≠ ${database.get(id)}`)
    }
  })
  return stale
}

/** Polls `check` until it is true (resolves) or `ms` pass (rejects with `describe()`). */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  describe: () => string,
  ms = 30_000,
) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Creates `count` orders through the instance at `apiUrl`, then opens a tablet on `tabletUrl`
 * showing the list and each of them, and waits until it shows them all at version 1 with its
 * position on `order` at `count` (the broadcast log was empty before).
 */
export async function tabletShowingNewOrders(
  apiUrl: string,
  tabletUrl: string,
  count: number,
): Promise<{ tablet: Tablet; ids: string[] }> {
  const ids = Array.from({ length: count }, () => randomUUID())
  for (const id of ids) {
    const { status } = await api(apiUrl, 'POST', '/orders', { body: { id } })
    if (status !== 201) throw new Error(`POST /orders answered ${status} for order ${id}`)
  }
  const tablet = new Tablet(tabletUrl)
  tablet.watchList()
  for (const id of ids) tablet.watchOrder(id)
  try {
    await eventually(
      () =>
        tablet.idle && ids.every((id) => tablet.version(id) === 1) && tablet.client.positions.order === count,
      () =>
        `the tablet never showed the ${count} orders at position ${count} (${JSON.stringify(tablet.client.positions)})`,
    )
  } catch (error) {
    tablet.close()
    throw error
  }
  return { tablet, ids }
}
