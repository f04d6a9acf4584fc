/**
 * Client side of bench:recovery, one process per group of clients (forked by recovery.ts): COUNT
 * tablets, each a real `BroadcastClient` with the product's reconnect defaults and a TanStack
 * QueryClient set up as the Orders web app sets it up (staleTime 60 s, retry 1), kept fresh by the
 * runtime's broadcast invalidation, with 3 active queries: the orders list and two orders. Every GET
 * is counted when it is issued (a retry too). The sockets are bound to LOCAL_ADDRESS (127.0.0.x), so
 * each process counts as its own address against the server's connection cap per address.
 *
 * IPC, each command answered with `{ seq, reply }`: `start` (create the tablets, reply once all show
 * their data), `mark` (forget what was recorded: a restart comes), `expect` (the versions the changed
 * orders have now), `progress` (how many are current), `report`, `exit`. Times are
 * `performance.timeOrigin + performance.now()` (ms), comparable with the parent's.
 */
import { performance } from 'node:perf_hooks'
import {
  BroadcastClient,
  getSyncClient,
  type WebSocketConstructor,
} from '@pattern-stack/sync-patterns/runtime/core'
import { parseRestartReason } from '@pattern-stack/sync-protocol'
import { QueryClient, QueryObserver } from '@tanstack/query-core'
import WebSocket from 'ws'

const now = () => performance.timeOrigin + performance.now()
const localAddress = process.env.LOCAL_ADDRESS ?? '127.0.0.1'

/** `ws` bound to this process's loopback address; `onAttempt` is told when each attempt starts. */
function localWebSocket(onAttempt: () => void): WebSocketConstructor {
  return class LocalWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { localAddress, perMessageDeflate: false })
      onAttempt()
    }
  }
}

interface OrderView {
  id: string
  version: number
}

interface Tablet {
  client: BroadcastClient
  queryClient: QueryClient
  orderIds: [string, string]
  /** First time connected since the mark, and first time current since then. */
  connectedAt: number | null
  currentAt: number | null
  /** How long the attempt that connected first since the mark took, from its start to open. */
  handshakeMs: number | null
}

export type RecoveryCommand =
  | { cmd: 'start'; baseUrl: string; count: number; orderIds: string[]; first: number }
  | { cmd: 'mark' }
  | { cmd: 'expect'; versions: Record<string, number> }
  | { cmd: 'progress' }
  | { cmd: 'report' }
  | { cmd: 'exit' }

export interface RecoveryReport {
  connectedAt: (number | null)[]
  currentAt: (number | null)[]
  handshakeMs: (number | null)[]
  gets: number[]
  /** Connections the server closed with 4012 RESTARTING since the mark. */
  restartCloses: number
  failedGets: number
  restartWindowMs: number | null
  /** Tablets in state 'disconnected' (given up) at the report. */
  disconnected: number
}

const tablets: Tablet[] = []
const versions = new Map<string, number>()
let gets: number[] = []
let restartCloses = 0
/** GETs that failed (each is also in `gets`); TanStack retries once, as the web app does. */
let failedGets = 0
/** The reconnect window the last 4012 close named. */
let restartWindowMs: number | null = null
let marked = false

function createTablet(baseUrl: string, orderIds: [string, string]): Tablet {
  const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 60_000, retry: 1 } } })
  let attemptAt = 0
  const client = new BroadcastClient(`${baseUrl.replace('http', 'ws')}/ws/broadcast`, {
    WebSocket: localWebSocket(() => {
      attemptAt = now()
    }),
    signals: false,
    shareAcrossTabs: false, // each tablet is its own browser
    logger: {
      debug: (message: string) => {
        if (!message.startsWith('connection closed (4012: ')) return
        restartCloses++
        restartWindowMs = parseRestartReason(message.slice(24, -1))
      },
    },
  })
  const tablet: Tablet = {
    client,
    queryClient,
    orderIds,
    connectedAt: null,
    currentAt: null,
    handshakeMs: null,
  }
  client.onStateChange((state) => {
    if (state !== 'connected' || tablet.connectedAt !== null) return
    tablet.connectedAt = now()
    tablet.handshakeMs = tablet.connectedAt - attemptAt
  })
  getSyncClient(queryClient).invalidateOnBroadcast({ client, channel: 'order', queryKeyPrefix: ['orders'] })
  const get = async <T>(path: string): Promise<T> => {
    gets.push(now())
    try {
      const response = await fetch(`${baseUrl}${path}`)
      if (!response.ok) throw new Error(`GET ${path}: ${response.status}`)
      return (await response.json()) as T
    } catch (error) {
      failedGets++
      if (failedGets <= 3) console.error(`[${localAddress}] GET ${path} failed:`, error)
      throw error
    }
  }
  new QueryObserver(queryClient, { queryKey: ['orders'], queryFn: () => get('/orders') }).subscribe(() => {})
  for (const id of orderIds) {
    new QueryObserver(queryClient, {
      queryKey: ['orders', id],
      queryFn: () => get<OrderView>(`/orders/${id}`),
    }).subscribe(() => {})
  }
  client.connect()
  return tablet
}

/** Connected, caught up after its reconnect, nothing fetching or waiting to, and its orders at the expected versions. */
function isCurrent(tablet: Tablet): boolean {
  const { client, queryClient } = tablet
  if (client.state !== 'connected' || client.catchingUp) return false
  if (queryClient.isFetching() > 0 || getSyncClient(queryClient).scheduler.pendingCount > 0) return false
  return tablet.orderIds.every(
    (id) => queryClient.getQueryData<OrderView>(['orders', id])?.version === (versions.get(id) ?? 1),
  )
}

// Every 25 ms: which tablets became current since the mark.
setInterval(() => {
  if (!marked) return
  const at = now()
  for (const tablet of tablets) {
    if (tablet.currentAt === null && tablet.connectedAt !== null && isCurrent(tablet)) tablet.currentAt = at
  }
}, 25)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function handle(command: RecoveryCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'start': {
      const { orderIds } = command
      for (let i = 0; i < command.count; i++) {
        const n = command.first + i
        const pair: [string, string] = [
          orderIds[(2 * n) % orderIds.length] as string,
          orderIds[(2 * n + 1) % orderIds.length] as string,
        ]
        tablets.push(createTablet(command.baseUrl, pair))
        if (i % 25 === 24) await sleep(50) // a ramp, not a burst: the start is not what is measured
      }
      // The start is not measured: a query that failed (retried once, as in the web app) is fetched again.
      for (let round = 1; !tablets.every((t) => t.client.state === 'connected' && isCurrent(t)); round++) {
        await sleep(100)
        if (round % 50 === 0) {
          for (const t of tablets)
            void t.queryClient.refetchQueries({
              type: 'active',
              predicate: (q) => q.state.status === 'error',
            })
        }
      }
      return tablets.length
    }
    case 'mark':
      gets = []
      restartCloses = 0
      failedGets = 0
      restartWindowMs = null
      for (const tablet of tablets) {
        tablet.connectedAt = null
        tablet.currentAt = null
        tablet.handshakeMs = null
      }
      marked = true
      return true
    case 'expect':
      for (const [id, version] of Object.entries(command.versions)) versions.set(id, version)
      return true
    case 'progress':
      return tablets.filter((t) => t.currentAt !== null).length
    case 'report': {
      const report: RecoveryReport = {
        connectedAt: tablets.map((t) => t.connectedAt),
        currentAt: tablets.map((t) => t.currentAt),
        handshakeMs: tablets.map((t) => t.handshakeMs),
        gets,
        restartCloses,
        failedGets,
        restartWindowMs,
        disconnected: tablets.filter((t) => t.client.state === 'disconnected').length,
      }
      marked = false
      return report
    }
    case 'exit':
      for (const tablet of tablets) tablet.client.disconnect()
      setTimeout(() => process.exit(0), 100)
      return true
  }
}

process.on('message', (message: { seq: number; command: RecoveryCommand }) => {
  void handle(message.command).then((reply) => process.send?.({ seq: message.seq, reply }))
})
process.send?.({ seq: 0, reply: 'up' })
