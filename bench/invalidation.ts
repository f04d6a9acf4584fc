/**
 * npm run bench:invalidation — refetches per client: our runtime against the spec's naive pattern,
 * side by side in one run, on the real broadcast server and a real HTTP API over loopback.
 *
 * This process runs the server (WebSocketBroadcastBackend + a tiny orders API) and sends the events.
 * Two child processes (this file again, role "clients") each hold a group of Node "tabs": a
 * BroadcastClient on `ws`, a QueryClient, active detail queries whose queryFn GETs the API.
 * "ours" uses createBroadcastInvalidation; "naive" is SYNC-012 §2.3 as sketched: one
 * invalidateQueries per event (entity key + prefix exact, TanStack defaults, so cancelRefetch: true)
 * plus the mutation's onSettled invalidation. Each group has its own channel; the groups take
 * turns with the same event schedule, so neither group's load distorts the other's measurement.
 *
 * The steady-traffic scenario (steady-traffic.ts) adds a third group, "before": the scheduler as it
 * was before issue 15 (global-busy-scheduler.ts), and reports per change the latency coalescing
 * added before the GET that sees it, p50/p99, for orders changed again and again and for lone
 * changes.
 *
 * The "already current" scenarios (issue 18 item 3) add a fourth group, "versioned": ours with the
 * entity's cache shape and its version field, so a broadcast's `entity_version` (the server always
 * sends it; the other groups ignore it) skips queries already at that version; counted side by side
 * with "ours", which refetches them.
 */

import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import type { InvalidationScheduler } from '@pattern-stack/sync-patterns/runtime/core'
import { writePerformanceSection } from './performance-doc.js'
import { addedLatencies, percentile, steadySchedule } from './steady-traffic.js'

const CLIENTS_PER_GROUP = 5
const REPETITIONS = 3
/** The steady-traffic scenario: how long each group's run lasts, how many orders change again and again. */
const STEADY_MS = 8000
const STEADY_HOT_ORDERS = 2
/** Each group listens on its own channel, so each is measured under its own load only. */
const channelOf = (group: Group) =>
  ({ ours: 'order', naive: 'order_naive', before: 'order_before', versioned: 'order_versioned' })[group]
const READ_LATENCY_MS = 10 // a database read behind GET
/** The id `watch` takes for the orders list, ['orders'] (GET /orders): every entity's event reaches it. */
const LIST = '(list)'
/** Ids `watch` takes for a list of the orders whose ids start with `of`: ['orders', { of }] (GET /orders?of=). */
const LIST_OF = 'list-of:'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * ours: the runtime; naive: the spec's sketch; before: the runtime's scheduler before issue 15;
 * versioned: the runtime with the entity's version field (no refetch of what is already current).
 */
type Group = 'ours' | 'naive' | 'before' | 'versioned'
type Command =
  | { cmd: 'init'; port: number; group: Group; count: number }
  | { cmd: 'watch'; ids: string[] }
  | { cmd: 'reset' }
  | { cmd: 'quiet' }
  | { cmd: 'mutate'; id: string; untagged?: boolean }
  | { cmd: 'report'; ids: string[] }
  | { cmd: 'latencies'; ids: string[] }
  | { cmd: 'exit' }
interface Report {
  /** fetches[tab][id index]; tab 0 is the one that mutates. */
  fetches: number[][]
  versions: (number | undefined)[][]
}
/** Per id, over all tabs: the latency added to each event received, and the GETs that followed. */
interface LatencyReport {
  added: number[][]
  gets: number[]
}

if (process.env.BENCH_ROLE === 'clients') await runClients()
else await runServer()

// ─────────────────────────────────────────── clients ───────────────────────────────────────────

async function runClients(): Promise<void> {
  const { BroadcastClient, createBroadcastInvalidation, getSyncClient, withBroadcastOrigin } = await import(
    '@pattern-stack/sync-patterns/runtime/core'
  )
  const { MutationObserver, QueryClient, QueryObserver } = await import('@tanstack/query-core')
  const { default: WebSocket } = await import('ws')
  const { GlobalBusyScheduler } = await import('./global-busy-scheduler.js')
  type Client = InstanceType<typeof BroadcastClient>
  type QC = InstanceType<typeof QueryClient>

  interface Tab {
    client: Client
    queryClient: QC
    fetches: Map<string, number>
    /** performance.now() of each event received, and of each GET started, per id */
    arrivals: Map<string, number[]>
    getStarts: Map<string, number[]>
    /** Refetches its scheduler still holds (none for naive). */
    pending(): number
    watch(id: string): void
    mutate(id: string, untagged?: boolean): Promise<void>
  }
  let group: Group = 'ours'
  let api = ''
  const tabs: Tab[] = []

  function tab(port: number): Tab {
    const client = new BroadcastClient(`ws://127.0.0.1:${port}/ws/broadcast`, { WebSocket, signals: false })
    const queryClient = new QueryClient({
      defaultOptions: { queries: { retry: false, staleTime: Number.POSITIVE_INFINITY } },
    })
    queryClient.mount()
    const fetches = new Map<string, number>()
    const arrivals = new Map<string, number[]>()
    const getStarts = new Map<string, number[]>()
    const stamp = (times: Map<string, number[]>, id: string) => {
      const at = performance.now()
      times.set(id, [...(times.get(id) ?? []), at])
    }
    // Subscribed before the invalidation, so the stamp is taken before the scheduler sees the event.
    client.subscribe(channelOf(group), (event) => {
      if (event.kind === 'event' && typeof event.payload.entity_id === 'string') {
        stamp(arrivals, event.payload.entity_id)
      }
    })
    const tagged = group === 'ours' || group === 'versioned'
    const apiFetch = tagged ? withBroadcastOrigin(fetch, () => client) : fetch
    let pending = () => 0
    if (group === 'ours' || group === 'versioned') {
      createBroadcastInvalidation({
        queryClient,
        client,
        channel: channelOf(group),
        queryKeyPrefix: ['orders'],
        ...(group === 'versioned' ? { cache: { root: 'orders', versionField: 'version' } } : {}),
      })
      pending = () => getSyncClient(queryClient).scheduler.pendingCount
    } else if (group === 'before') {
      const scheduler = new GlobalBusyScheduler(queryClient)
      getSyncClient(queryClient).invalidateOnBroadcast({
        client,
        channel: channelOf(group),
        queryKeyPrefix: ['orders'],
        // The spec's rules through the old scheduler; they only ever call invalidate().
        scheduler: scheduler as unknown as InvalidationScheduler,
      })
      pending = () => scheduler.pendingCount
    } else {
      client.subscribe(channelOf(group), (event) => {
        const entityId = event.payload.entity_id
        if (entityId) {
          void queryClient.invalidateQueries({ queryKey: ['orders', entityId] })
          void queryClient.invalidateQueries({ queryKey: ['orders'], exact: true })
        } else {
          void queryClient.invalidateQueries({ queryKey: ['orders'] })
        }
      })
    }
    client.connect()
    return {
      client,
      queryClient,
      fetches,
      arrivals,
      getStarts,
      pending,
      watch(id) {
        const of = id.startsWith(LIST_OF) ? id.slice(LIST_OF.length) : undefined
        new QueryObserver(queryClient, {
          queryKey: id === LIST ? ['orders'] : of !== undefined ? ['orders', { of }] : ['orders', id],
          queryFn: async ({ signal }) => {
            fetches.set(id, (fetches.get(id) ?? 0) + 1)
            stamp(getStarts, id)
            const url =
              id === LIST
                ? `${api}/orders`
                : of !== undefined
                  ? `${api}/orders?of=${encodeURIComponent(of)}`
                  : `${api}/orders/${id}`
            return (await fetch(url, { signal })).json() as Promise<{ version: number }>
          },
        }).subscribe(() => {})
      },
      async mutate(id, untagged = false) {
        // The spec's generated hook: mutationKey = the entity key, onSettled invalidates it.
        // `untagged`: the request goes without this tab's origin (a fetch not wrapped by
        // withBroadcastOrigin), so its broadcast is no echo to this tab.
        const send = untagged ? fetch : apiFetch
        const observer = new MutationObserver(queryClient, {
          mutationKey: ['orders', id],
          mutationFn: () => send(`${api}/orders/${id}?channel=${channelOf(group)}`, { method: 'POST' }),
          onSettled: () => {
            void queryClient.invalidateQueries({ queryKey: ['orders', id] })
          },
        })
        await observer.mutate(undefined)
      },
    }
  }

  async function quiet(): Promise<void> {
    let calm = 0
    while (calm < 10) {
      await sleep(20)
      const busy = tabs.some((t) => t.queryClient.isFetching() > 0 || t.pending() > 0)
      calm = busy ? 0 : calm + 1
    }
  }

  process.on('message', async ({ seq, command }: { seq: number; command: Command }) => {
    let reply: unknown = null
    switch (command.cmd) {
      case 'init':
        group = command.group
        api = `http://127.0.0.1:${command.port}`
        for (let i = 0; i < command.count; i++) tabs.push(tab(command.port))
        while (tabs.some((t) => t.client.connectionId === null)) await sleep(10)
        break
      case 'watch':
        for (const t of tabs) for (const id of command.ids) t.watch(id)
        break
      case 'reset':
        for (const t of tabs) {
          t.fetches.clear()
          t.arrivals.clear()
          t.getStarts.clear()
        }
        break
      case 'quiet':
        await quiet()
        break
      case 'mutate':
        await (tabs[0] as Tab).mutate(command.id, command.untagged)
        break
      case 'report':
        reply = {
          fetches: tabs.map((t) => command.ids.map((id) => t.fetches.get(id) ?? 0)),
          versions: tabs.map((t) =>
            command.ids.map((id) => t.queryClient.getQueryData<{ version: number }>(['orders', id])?.version),
          ),
        } satisfies Report
        break
      case 'latencies':
        reply = {
          added: command.ids.map((id) =>
            tabs.flatMap((t) =>
              addedLatencies(
                id === LIST ? [...t.arrivals.values()].flat() : (t.arrivals.get(id) ?? []),
                t.getStarts.get(id) ?? [],
              ),
            ),
          ),
          gets: command.ids.map((id) => tabs.reduce((sum, t) => sum + (t.fetches.get(id) ?? 0), 0)),
        } satisfies LatencyReport
        break
      case 'exit':
        for (const t of tabs) t.client.disconnect()
        process.send?.({ seq, reply }, () => process.exit(0))
        return
    }
    process.send?.({ seq, reply })
  })
}

// ─────────────────────────────────────────── server ────────────────────────────────────────────

async function runServer(): Promise<void> {
  const loadAtStart = os.loadavg()
  const { WebSocketBroadcastBackend } = await import('@pattern-stack/backend-patterns/broadcast')
  const { ORIGIN_HEADER } = await import('@pattern-stack/sync-protocol')

  // The API: GET /orders/:id returns the version; POST bumps it and broadcasts order.updated.
  const versions = new Map<string, number>()
  const backend = new WebSocketBroadcastBackend()
  let broadcastDelayMs: number | undefined // undefined: commit → broadcast → respond, as the spec's service does
  const http = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://api')
    if (url.pathname === '/orders' && request.method === 'GET') {
      const of = url.searchParams.get('of')
      // The list: read at request time, like a detail. `of`: the orders whose ids start with it, each with its version.
      const list = JSON.stringify(
        of === null
          ? { count: versions.size }
          : [...versions].filter(([id]) => id.startsWith(of)).map(([id, version]) => ({ id, version })),
      )
      return void setTimeout(() => {
        if (!response.destroyed) response.writeHead(200, { 'content-type': 'application/json' }).end(list)
      }, READ_LATENCY_MS)
    }
    const id = /^\/orders\/([^/]+)$/.exec(url.pathname)?.[1]
    if (!id) return void response.writeHead(404).end()
    if (request.method === 'POST') {
      versions.set(id, (versions.get(id) ?? 0) + 1)
      // The connection the request's X-Broadcast-Origin token proves, as a real API does (the token
      // itself is no connection id: passed on as the origin, no client would recognise its echo).
      const origin = backend.verifyOrigin(request.headers[ORIGIN_HEADER.toLowerCase()])
      const version = versions.get(id) ?? 0
      const broadcast = () =>
        backend.broadcast(
          url.searchParams.get('channel') ?? 'order',
          'updated',
          { entity_id: id, entity_version: version },
          origin === undefined ? {} : { origin },
        )
      const respond = () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      if (broadcastDelayMs === undefined) void broadcast().then(respond)
      else {
        respond()
        setTimeout(() => void broadcast(), broadcastDelayMs)
      }
      return
    }
    const version = versions.get(id) ?? 0 // read at request time, answered after the read latency
    setTimeout(() => {
      if (!response.destroyed) {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, version }))
      }
    }, READ_LATENCY_MS)
  })
  backend.attach(http, { path: '/ws/broadcast' })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const port = (http.address() as AddressInfo).port

  // Client groups in their own processes.
  const self = fileURLToPath(import.meta.url)
  const groups = new Map<Group, ChildProcess>()
  let seq = 0
  const pending = new Map<number, (reply: unknown) => void>()
  const allGroups = ['ours', 'naive', 'before', 'versioned'] as const
  /** The groups of the scenarios from before issue 18 (a, c). */
  const classicGroups = ['ours', 'naive', 'before'] as const
  for (const group of allGroups) {
    const child = fork(self, [], {
      env: { ...process.env, BENCH_ROLE: 'clients' },
      execArgv: ['--conditions=source', '--import', 'tsx'],
    })
    child.on('message', ({ seq: n, reply }: { seq: number; reply: unknown }) => {
      pending.get(n)?.(reply)
      pending.delete(n)
    })
    groups.set(group, child)
  }
  const ask = <T = null>(group: Group, command: Command): Promise<T> =>
    new Promise((resolve) => {
      seq += 1
      pending.set(seq, resolve as (reply: unknown) => void)
      groups.get(group)?.send({ seq, command })
    })
  const both = <T = null>(command: Command) =>
    Promise.all([ask<T>('ours', command), ask<T>('naive', command)])

  await Promise.all(
    allGroups.map((group) => ask(group, { cmd: 'init', port, group, count: CLIENTS_PER_GROUP })),
  )
  while (allGroups.some((group) => backend.getSubscriberCount(channelOf(group)) < CLIENTS_PER_GROUP)) {
    await sleep(10)
  }

  /** Server-side change for an entity, then its broadcast with the new version (no HTTP mutation involved). */
  const change = (group: Group, id: string) => {
    versions.set(id, (versions.get(id) ?? 0) + 1)
    return announce(group, id, versions.get(id) ?? 0)
  }
  /** The broadcast of an entity's change to `version` (which may have committed some time ago). */
  const announce = (group: Group, id: string, version: number) =>
    backend.broadcast(channelOf(group), 'updated', { entity_id: id, entity_version: version })
  /** Events spread evenly: event i is published at start + i·spanMs/count ms (not waiting for delivery). */
  async function spread(count: number, spanMs: number, send: (i: number) => Promise<void>): Promise<number> {
    const start = performance.now()
    const sent: Promise<void>[] = []
    for (let i = 0; i < count; i++) {
      const wait = start + (i * spanMs) / count - performance.now()
      if (wait >= 1) await sleep(wait)
      sent.push(send(i))
    }
    const took = performance.now() - start
    await Promise.all(sent)
    return took
  }
  const stale = (report: Report, ids: string[]) =>
    report.versions.flatMap((row) => row.filter((v, i) => v !== (versions.get(ids[i] as string) ?? 0))).length
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length
  const fmt = (values: number[]) => `${mean(values).toFixed(1)} (max ${Math.max(...values)})`

  interface Row {
    scenario: string
    target: string
    ours: string
    /** the scheduler before issue 15; not run for (b) */
    before: string
    naive: string
    ratio: string
    fresh: string
  }
  const rows: Row[] = []

  // (a) 100 events for one entity within 100 ms; (c) 50 events over 10 entities within 100 ms.
  // Each group in turn, REPETITIONS times, on fresh entities.
  for (const scenario of ['a', 'c'] as const) {
    type Classic = (typeof classicGroups)[number]
    const values: Record<Classic, number[]> = { ours: [], naive: [], before: [] }
    const took: number[] = []
    let staleCount: Record<Classic, number> = { ours: 0, naive: 0, before: 0 }
    for (let rep = 0; rep < REPETITIONS; rep++) {
      for (const group of classicGroups) {
        const ids =
          scenario === 'a' ? [`a${rep}${group}`] : Array.from({ length: 10 }, (_, i) => `c${rep}${group}${i}`)
        await ask(group, { cmd: 'watch', ids })
        await ask(group, { cmd: 'quiet' })
        await ask(group, { cmd: 'reset' })
        took.push(
          scenario === 'a'
            ? await spread(100, 100, () => change(group, ids[0] as string))
            : await spread(50, 100, (i) => change(group, ids[i % 10] as string)),
        )
        await ask(group, { cmd: 'quiet' })
        const report = await ask<Report>(group, { cmd: 'report', ids })
        // (a): refetches per client; (c): refetches per entity per client.
        values[group].push(
          ...(scenario === 'a' ? report.fetches.map((row) => row[0] ?? 0) : report.fetches.flat()),
        )
        staleCount = { ...staleCount, [group]: staleCount[group] + stale(report, ids) }
      }
    }
    rows.push({
      scenario:
        scenario === 'a'
          ? `(a) 100 events for one entity within 100 ms (sent in ${Math.min(...took).toFixed(0)}–${Math.max(...took).toFixed(0)} ms): refetches per client`
          : `(c) 50 events over 10 entities within 100 ms (sent in ${Math.min(...took).toFixed(0)}–${Math.max(...took).toFixed(0)} ms): refetches per entity per client`,
      target: scenario === 'a' ? '≤ 2' : '≤ 2 per entity (≤ 1 before issue 15)',
      ours: fmt(values.ours),
      before: fmt(values.before),
      naive: fmt(values.naive),
      ratio: `${(mean(values.naive) / mean(values.ours)).toFixed(1)}×`,
      fresh: [staleCount.ours, staleCount.before, staleCount.naive]
        .map((n) => (n === 0 ? 'yes' : `NO (${n} stale)`))
        .join(' / '),
    })
  }

  // (b) a client's own mutation; the other clients of its group get the broadcast as usual
  for (const [label, delay] of [
    ['broadcast before the HTTP response', undefined],
    ['broadcast 20 ms after the HTTP response (outbox, slow engine)', 20],
  ] as const) {
    broadcastDelayMs = delay
    const id = `b${delay ?? 0}`
    await both({ cmd: 'watch', ids: [id] })
    await both({ cmd: 'quiet' })
    const result = {} as Record<'ours' | 'naive', { own: number; others: number[]; stale: number }>
    for (const group of ['ours', 'naive'] as const) {
      await both({ cmd: 'reset' })
      await ask(group, { cmd: 'mutate', id })
      await both({ cmd: 'quiet' })
      const report = await ask<Report>(group, { cmd: 'report', ids: [id] })
      const [own, ...others] = report.fetches.map((row) => row[0] ?? 0)
      result[group] = { own: own ?? 0, others, stale: stale(report, [id]) }
    }
    rows.push({
      scenario: `(b) own mutation, ${label}: the mutating client (other clients: mean (max))`,
      target: 'exactly 1',
      ours: `${result.ours.own} (${fmt(result.ours.others)})`,
      before: '—',
      naive: `${result.naive.own} (${fmt(result.naive.others)})`,
      ratio: `${(result.naive.own / result.ours.own).toFixed(1)}×`,
      fresh: [result.ours.stale, undefined, result.naive.stale]
        .map((n) => (n === undefined ? '—' : n === 0 ? 'yes' : `NO (${n} stale)`))
        .join(' / '),
    })
  }

  // Already current (issue 18 item 3): ours against versioned, the same schedule, each in turn.
  const CURRENT_ENTITIES = 10
  const CURRENT_CHANGES = 5
  const sideBySide = ['ours', 'versioned'] as const
  const currentRows: string[] = []
  {
    // (d) Broadcasts that lag behind their commits (an outbox relay, a slow engine): each entity
    // changed 5 times at once, then the 50 broadcasts go out over 100 ms. The first refetch of an
    // entity already reads its last version; what the later broadcasts ask for is already cached.
    const details: Record<(typeof sideBySide)[number], number[]> = { ours: [], versioned: [] }
    const lists: Record<(typeof sideBySide)[number], number[]> = { ours: [], versioned: [] }
    const staleCount = { ours: 0, versioned: 0 }
    for (let rep = 0; rep < REPETITIONS; rep++) {
      for (const group of sideBySide) {
        const prefix = `d${rep}${group}-`
        const ids = Array.from({ length: CURRENT_ENTITIES }, (_, i) => `${prefix}${i}`)
        const list = `${LIST_OF}${prefix}`
        for (const id of ids) versions.set(id, 1)
        await ask(group, { cmd: 'watch', ids: [...ids, list] })
        await ask(group, { cmd: 'quiet' })
        await ask(group, { cmd: 'reset' })
        for (const id of ids) versions.set(id, 1 + CURRENT_CHANGES) // committed; announced below
        await spread(CURRENT_ENTITIES * CURRENT_CHANGES, 100, (i) =>
          announce(group, ids[i % CURRENT_ENTITIES] as string, 2 + Math.floor(i / CURRENT_ENTITIES)),
        )
        await ask(group, { cmd: 'quiet' })
        const report = await ask<Report>(group, { cmd: 'report', ids })
        const listReport = await ask<Report>(group, { cmd: 'report', ids: [list] })
        details[group].push(...report.fetches.flat())
        lists[group].push(...listReport.fetches.map((row) => row[0] ?? 0))
        staleCount[group] += stale(report, ids)
      }
    }
    const fresh = sideBySide
      .map((g) => (staleCount[g] === 0 ? 'yes' : `NO (${staleCount[g]} stale)`))
      .join(' / ')
    currentRows.push(
      `| (d) broadcasts lagging behind their commits: ${CURRENT_ENTITIES} entities changed ${CURRENT_CHANGES} times each at once, the ${CURRENT_ENTITIES * CURRENT_CHANGES} broadcasts then over 100 ms: detail refetches per entity per client | 1 | ${fmt(details.ours)} | ${fmt(details.versioned)} | ${(mean(details.ours) / mean(details.versioned)).toFixed(1)}× | ${fresh} |`,
      `| (d) the same: refetches per client of a list holding the ${CURRENT_ENTITIES} entities | 1 | ${fmt(lists.ours)} | ${fmt(lists.versioned)} | ${(mean(lists.ours) / mean(lists.versioned)).toFixed(1)}× | ${fresh} |`,
    )
  }
  {
    // (e) A tab's own mutation whose request does not carry its origin (a fetch not wrapped by
    // withBroadcastOrigin), the broadcast 20 ms after the response: the echo reaches the writer after
    // its onSettled refetch already read the change.
    broadcastDelayMs = 20
    const result = {} as Record<
      (typeof sideBySide)[number],
      { own: number[]; others: number[]; stale: number }
    >
    for (const group of sideBySide) result[group] = { own: [], others: [], stale: 0 }
    for (let rep = 0; rep < REPETITIONS; rep++) {
      for (const group of sideBySide) {
        const id = `e${rep}${group}`
        await ask(group, { cmd: 'watch', ids: [id] })
        await ask(group, { cmd: 'quiet' })
        await ask(group, { cmd: 'reset' })
        await ask(group, { cmd: 'mutate', id, untagged: true })
        await ask(group, { cmd: 'quiet' })
        const report = await ask<Report>(group, { cmd: 'report', ids: [id] })
        const [own, ...others] = report.fetches.map((row) => row[0] ?? 0)
        result[group].own.push(own ?? 0)
        result[group].others.push(...others)
        result[group].stale += stale(report, [id])
      }
    }
    broadcastDelayMs = undefined
    const fresh = sideBySide
      .map((g) => (result[g].stale === 0 ? 'yes' : `NO (${result[g].stale} stale)`))
      .join(' / ')
    currentRows.push(
      `| (e) own mutation without its origin, broadcast 20 ms after the response: the mutating client (other clients: mean (max)) | 1 | ${fmt(result.ours.own)} (${fmt(result.ours.others)}) | ${fmt(result.versioned.own)} (${fmt(result.versioned.others)}) | ${(mean(result.ours.own) / mean(result.versioned.own)).toFixed(1)}× | ${fresh} |`,
    )
  }
  const currentTable = [
    '| scenario | target | ours (GETs) | ours with version skip (GETs) | ours ÷ with skip | every cache current at the end (ours / with skip) |',
    '|---|---|---|---|---|---|',
    ...currentRows,
  ].join('\n')
  console.log(currentTable)

  // Steady traffic: orders changed again and again beside lone changes; each group in turn replays
  // the same schedule on its own fresh orders. Latency added per change, and GETs per change.
  const schedule = steadySchedule({ durationMs: STEADY_MS, hotCount: STEADY_HOT_ORDERS })
  /** Per group and kind of query: the latency added to each change a client received, and GETs. */
  type SteadyKind = 'lone' | 'hot' | 'list'
  type SteadyResult = Record<SteadyKind, { added: number[]; gets: number }> & { stale: number }
  const steady = {} as Record<Group, SteadyResult>
  for (const group of ['ours', 'before', 'naive'] as const) {
    const hot = Array.from({ length: schedule.hotCount }, (_, i) => `s${group}hot${i}`)
    const lone = Array.from({ length: schedule.loneCount }, (_, i) => `s${group}lone${i}`)
    const ids = [...hot, ...lone]
    await ask(group, { cmd: 'watch', ids: [...ids, LIST] })
    await ask(group, { cmd: 'quiet' })
    await ask(group, { cmd: 'reset' })
    const start = performance.now()
    const sent: Promise<void>[] = []
    for (const event of schedule.events) {
      const wait = start + event.at - performance.now()
      if (wait >= 1) await sleep(wait)
      sent.push(change(group, (event.kind === 'hot' ? hot : lone)[event.index] as string))
    }
    await Promise.all(sent)
    await ask(group, { cmd: 'quiet' })
    const { added, gets } = await ask<LatencyReport>(group, { cmd: 'latencies', ids: [...ids, LIST] })
    const report = await ask<Report>(group, { cmd: 'report', ids })
    const pick = (from: number, to: number) => ({
      added: added.slice(from, to).flat(),
      gets: gets.slice(from, to).reduce((a, b) => a + b, 0),
    })
    steady[group] = {
      hot: pick(0, hot.length),
      lone: pick(hot.length, ids.length),
      list: pick(ids.length, ids.length + 1),
      stale: stale(report, ids),
    }
  }
  const changes: Record<SteadyKind, number> = {
    lone: schedule.loneCount,
    hot: schedule.events.filter((e) => e.kind === 'hot').length,
    list: schedule.events.length,
  }
  const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'never')
  const p50p99 = (values: number[]) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`
  const ratio = (before: number[], ours: number[]) =>
    `${(percentile(before, 50) / percentile(ours, 50)).toFixed(1)}× / ${(percentile(before, 99) / percentile(ours, 99)).toFixed(1)}×`
  const perChange = (kind: SteadyKind) =>
    (['ours', 'before', 'naive'] as const)
      .map((group) => (steady[group][kind].gets / (changes[kind] * CLIENTS_PER_GROUP)).toFixed(2))
      .join(' / ')
  const steadyRows: [SteadyKind, string, string][] = [
    [
      'lone',
      `lone change: an order with no earlier event (${changes.lone} changes)`,
      'one frame (8 ms); 1 GET per change',
    ],
    [
      'hot',
      `the same order changed every 100–300 ms (${STEADY_HOT_ORDERS} orders, ${changes.hot} changes)`,
      'one frame (changes ≥ 64 ms apart are no burst); 1 GET per change',
    ],
    [
      'list',
      `the orders list, which every change reaches (${changes.list} changes)`,
      '≤ 250 ms (maxDelayMs); < 1 GET per change',
    ],
  ]
  const steadyTable = [
    '| changes (× clients) | target: added latency; GETs | ours p50 / p99 (ms) | before p50 / p99 (ms) | before ÷ ours (p50 / p99) | naive p50 / p99 (ms) | GETs per change per client: ours / before / naive |',
    '|---|---|---|---|---|---|---|',
    ...steadyRows.map(
      ([kind, label, target]) =>
        `| ${label} × ${CLIENTS_PER_GROUP} | ${target} | ${p50p99(steady.ours[kind].added)} | ${p50p99(steady.before[kind].added)} | ${ratio(steady.before[kind].added, steady.ours[kind].added)} | ${p50p99(steady.naive[kind].added)} | ${perChange(kind)} |`,
    ),
  ].join('\n')
  const steadyFresh = (['ours', 'before', 'naive'] as const)
    .map((group) => `${group} ${steady[group].stale === 0 ? 'yes' : `NO (${steady[group].stale} stale)`}`)
    .join(', ')
  console.log(steadyTable)

  await Promise.all(allGroups.map((group) => ask(group, { cmd: 'exit' })))
  await backend.close()
  http.closeAllConnections()
  http.close()

  // ── report ──
  const order = ['(a)', '(b)', '(c)']
  rows.sort((x, y) => order.indexOf(x.scenario.slice(0, 3)) - order.indexOf(y.scenario.slice(0, 3)))
  const table = [
    '| scenario | target | ours | before issue 15 | naive (spec sketch) | naive ÷ ours | every cache current at the end (ours / before / naive) |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.target} | ${r.ours} | ${r.before} | ${r.naive} | ${r.ratio} | ${r.fresh} |`,
    ),
  ].join('\n')
  console.log(table)

  const cpu = (os.cpus()[0]?.model ?? 'unknown CPU').trim()
  const load = (values: number[]) => values.map((v) => v.toFixed(1)).join(' / ')
  const section = `## Invalidation (bench:invalidation)

\`npm run bench:invalidation\` — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${cpu}, Node ${process.version}, all on
this one machine over loopback; load average (1 / 5 / 15 min) ${load(loadAtStart)} at the start and
${load(os.loadavg())} at the end (the machine was shared). One process runs the real \`WebSocketBroadcastBackend\` and a small
orders API (GET answers after ${READ_LATENCY_MS} ms, like a database read; POST commits, broadcasts, answers) and
sends the events; four child processes hold ${CLIENTS_PER_GROUP} "ours", ${CLIENTS_PER_GROUP} "before", ${CLIENTS_PER_GROUP} "naive" and ${CLIENTS_PER_GROUP} "with skip" clients (each a
BroadcastClient on \`ws\`, a QueryClient and active detail queries), all connected during the whole run.
Each group listens on its own channel and the groups take turns with the same event schedule, so
neither group's refetch storm slows the other's events; (a) and (c) run ${REPETITIONS} times per group on fresh
entities and the table gives the mean and the worst case over all clients and repetitions.
A refetch is a queryFn call, i.e. one GET.

- **naive** is the spec's sketch: per event one \`invalidateQueries\` for \`[...prefix, entity_id]\` and one
  for \`prefix\` exact, with TanStack's defaults (\`cancelRefetch: true\`: each event cancels the running
  fetch and starts another; the cancelled request has already reached the server), plus the
  mutation's \`onSettled\` invalidation.
- **ours** is \`createBroadcastInvalidation\` with its defaults: a debounce per query of 8 ms (64 ms
  while that query is busy, i.e. its previous event arrived less than 64 ms ago; at most 250 ms), one
  follow-up after a fetch that was in flight when an event arrived, echo suppression via
  \`X-Broadcast-Origin\`, the pending-mutation guard.
- **before** is the scheduler as it was before issue 15 (\`bench/global-busy-scheduler.ts\`), through
  the same spec rules: the same delays, but one window shared by all keys and busy for all of them
  whenever any window closed in the last 250 ms. Not run for (b) (no echo suppression wired).

${table}

Reading it: the naive pattern starts one request per event and, for a client's own change, two
(the echo, then \`onSettled\`). Ours turns a burst on one entity into one refetch, or two when the
burst pauses for longer than one frame before it is over (the first window closes; from then on
that entity counts as busy and the rest of its burst is one more refetch), and never ends on stale data. With the echo sent before the HTTP
response, the follow-up rule alone absorbs it (the \`onSettled\` fetch starts after the event);
when it arrives after that refetch finished, only the origin tells the client it already has the
change. The "in N ms" column is the time the server took to send the events: on a loaded machine it
exceeds the nominal 100 ms.

(c) costs two refetches per entity where the shared window cost one, and that is the price of the
lone-change rule (steady traffic, below), not a regression to fix: each entity in (c) gets an event every 20 ms, so its first
event is a change to an entity with no recent events and refetches one frame later; the four after
it arrive once that refetch has started and need one more (no lost update). One refetch per entity
was only possible by holding every entity's first change until the whole stream paused.

### Steady traffic: latency added by coalescing

For ${STEADY_MS / 1000} s per group, ${STEADY_HOT_ORDERS} orders are changed again and again, each every 100–300 ms
(tablets adding items to the same order), while another order gets a lone change every 100–300 ms
(each a different order, with no event before); each client shows every one of these orders and the
orders list (\`['orders']\`, which every event reaches). The schedule is drawn from a fixed seed and every
group replays it on its own fresh orders. For each change each client received, the latency added
is the time from the event's arrival to the start of the first GET of that query that started after
it (the GET that can see the change), on the client's clock: the debounce, plus waiting out a fetch
already in flight, plus the client process's own event-loop and timer delay (${CLIENTS_PER_GROUP} clients share one
process on this loaded machine, which is most of the p99 above one frame).

${steadyTable}

Every cache current at the end: ${steadyFresh}.

Reading it: before issue 15, any window closing made the whole stream busy, so under steady
traffic every change waited the busy debounce (64 ms) or, joining a window other orders kept open,
up to the 250 ms cap. Now busy is per query and means "its previous event arrived less than 64 ms
ago": a lone change, and each change to an order edited every 100 ms or more, waits one frame,
however busy the rest of the stream is, at one GET per change (waiting longer would have merged
nothing). The list, which every event reaches, is where the rule costs something: events on it less
than 64 ms apart still merge, but one after a longer gap refetches a frame later instead of opening
a 64 ms window, so the list costs more GETs than before (fewer than naive's one per change) and is
fresh sooner. Naive adds nothing (it fetches on every event, cancelling the fetch in flight) and
pays with a GET per change.

### Already current: no refetch of what the cache has (issue 18 item 3)

The server puts each change's new version into its broadcast (\`entity_version\`); a fourth group,
"with skip", is ours given the entity's cache shape with its version field (what the generator
emits for a schema with a numeric \`version\`), so a query whose cached data already holds that
version is not refetched; "ours" is the same runtime without the version field. Both groups take
turns with the same schedule, ${REPETITIONS} times on fresh entities; mean (max) over all clients and repetitions.

${currentTable}

Reading it: in (d) each client's first refetch of an entity (one frame after its first broadcast)
already reads the entity's last version, because the changes committed before their broadcasts went
out. Without the version, the later broadcasts still cost a refetch each time a window closes (the
64 ms busy debounce merges some of them); with it they are skipped as \`current\`, so each entity
costs one GET. The list holding all ten entities is skipped too only once a fetch of it returned
every one of them at the announced version (the list rule: see the runtime's README). In (e) the
writer's \`onSettled\` refetch has read the change by the time its echo arrives, and it carries no
origin to suppress it; other clients refetch once either way (their caches are behind).
`
  writePerformanceSection(section)
  console.log('\nwritten to docs/performance.md')
}
