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
 */

import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { writePerformanceSection } from './performance-doc.js'

const CLIENTS_PER_GROUP = 5
const REPETITIONS = 3
/** Each group listens on its own channel, so each is measured under its own load only. */
const channelOf = (group: Group) => (group === 'ours' ? 'order' : 'order_naive')
const READ_LATENCY_MS = 10 // a database read behind GET
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

type Group = 'ours' | 'naive'
type Command =
  | { cmd: 'init'; port: number; group: Group; count: number }
  | { cmd: 'watch'; ids: string[] }
  | { cmd: 'reset' }
  | { cmd: 'quiet' }
  | { cmd: 'mutate'; id: string }
  | { cmd: 'report'; ids: string[] }
  | { cmd: 'exit' }
interface Report {
  /** fetches[tab][id index]; tab 0 is the one that mutates. */
  fetches: number[][]
  versions: (number | undefined)[][]
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
  type Client = InstanceType<typeof BroadcastClient>
  type QC = InstanceType<typeof QueryClient>

  interface Tab {
    client: Client
    queryClient: QC
    fetches: Map<string, number>
    watch(id: string): void
    mutate(id: string): Promise<void>
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
    const apiFetch = group === 'ours' ? withBroadcastOrigin(fetch, () => client) : fetch
    if (group === 'ours') {
      createBroadcastInvalidation({
        queryClient,
        client,
        channel: channelOf(group),
        queryKeyPrefix: ['orders'],
      })
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
      watch(id) {
        new QueryObserver(queryClient, {
          queryKey: ['orders', id],
          queryFn: async ({ signal }) => {
            fetches.set(id, (fetches.get(id) ?? 0) + 1)
            return (await fetch(`${api}/orders/${id}`, { signal })).json() as Promise<{ version: number }>
          },
        }).subscribe(() => {})
      },
      async mutate(id) {
        // The spec's generated hook: mutationKey = the entity key, onSettled invalidates it.
        const observer = new MutationObserver(queryClient, {
          mutationKey: ['orders', id],
          mutationFn: () => apiFetch(`${api}/orders/${id}?channel=${channelOf(group)}`, { method: 'POST' }),
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
      const busy = tabs.some(
        (t) =>
          t.queryClient.isFetching() > 0 ||
          (group === 'ours' && getSyncClient(t.queryClient).scheduler.pendingCount > 0),
      )
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
        for (const t of tabs) t.fetches.clear()
        break
      case 'quiet':
        await quiet()
        break
      case 'mutate':
        await (tabs[0] as Tab).mutate(command.id)
        break
      case 'report':
        reply = {
          fetches: tabs.map((t) => command.ids.map((id) => t.fetches.get(id) ?? 0)),
          versions: tabs.map((t) =>
            command.ids.map((id) => t.queryClient.getQueryData<{ version: number }>(['orders', id])?.version),
          ),
        } satisfies Report
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
  const { WebSocketBroadcastBackend } = await import('@pattern-stack/backend-patterns/broadcast')
  const { ORIGIN_HEADER } = await import('@pattern-stack/sync-protocol')

  // The API: GET /orders/:id returns the version; POST bumps it and broadcasts order.updated.
  const versions = new Map<string, number>()
  const backend = new WebSocketBroadcastBackend()
  let broadcastDelayMs: number | undefined // undefined: commit → broadcast → respond, as the spec's service does
  const http = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://api')
    const id = /^\/orders\/([^/]+)$/.exec(url.pathname)?.[1]
    if (!id) return void response.writeHead(404).end()
    if (request.method === 'POST') {
      versions.set(id, (versions.get(id) ?? 0) + 1)
      const origin = request.headers[ORIGIN_HEADER.toLowerCase()]
      const broadcast = () =>
        backend.broadcast(
          url.searchParams.get('channel') ?? 'order',
          'updated',
          { entity_id: id },
          {
            ...(typeof origin === 'string' ? { origin } : {}),
          },
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
  for (const group of ['ours', 'naive'] as const) {
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

  await Promise.all([
    ask('ours', { cmd: 'init', port, group: 'ours', count: CLIENTS_PER_GROUP }),
    ask('naive', { cmd: 'init', port, group: 'naive', count: CLIENTS_PER_GROUP }),
  ])
  while (
    backend.getSubscriberCount(channelOf('ours')) < CLIENTS_PER_GROUP ||
    backend.getSubscriberCount(channelOf('naive')) < CLIENTS_PER_GROUP
  ) {
    await sleep(10)
  }

  /** Server-side change for an entity, then its broadcast (no HTTP mutation involved). */
  const change = (group: Group, id: string) => {
    versions.set(id, (versions.get(id) ?? 0) + 1)
    return backend.broadcast(channelOf(group), 'updated', { entity_id: id })
  }
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
    naive: string
    ratio: string
    fresh: string
  }
  const rows: Row[] = []

  // (a) 100 events for one entity within 100 ms; (c) 50 events over 10 entities within 100 ms.
  // Each group in turn, REPETITIONS times, on fresh entities.
  for (const scenario of ['a', 'c'] as const) {
    const values: Record<Group, number[]> = { ours: [], naive: [] }
    const took: number[] = []
    let staleCount: Record<Group, number> = { ours: 0, naive: 0 }
    for (let rep = 0; rep < REPETITIONS; rep++) {
      for (const group of ['ours', 'naive'] as const) {
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
      target: scenario === 'a' ? '≤ 2' : '≤ 1 per entity',
      ours: fmt(values.ours),
      naive: fmt(values.naive),
      ratio: `${(mean(values.naive) / mean(values.ours)).toFixed(1)}×`,
      fresh: [staleCount.ours, staleCount.naive]
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
    const result = {} as Record<Group, { own: number; others: number[]; stale: number }>
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
      naive: `${result.naive.own} (${fmt(result.naive.others)})`,
      ratio: `${(result.naive.own / result.ours.own).toFixed(1)}×`,
      fresh: [result.ours.stale, result.naive.stale]
        .map((n) => (n === 0 ? 'yes' : `NO (${n} stale)`))
        .join(' / '),
    })
  }

  await both({ cmd: 'exit' })
  await backend.close()
  http.closeAllConnections()
  http.close()

  // ── report ──
  const order = ['(a)', '(b)', '(c)']
  rows.sort((x, y) => order.indexOf(x.scenario.slice(0, 3)) - order.indexOf(y.scenario.slice(0, 3)))
  const table = [
    '| scenario | target | ours | naive (spec sketch) | naive ÷ ours | every cache current at the end (ours / naive) |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.target} | ${r.ours} | ${r.naive} | ${r.ratio} | ${r.fresh} |`),
  ].join('\n')
  console.log(table)

  const cpu = (os.cpus()[0]?.model ?? 'unknown CPU').trim()
  const section = `## Invalidation (bench:invalidation)

\`npm run bench:invalidation\` — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${cpu}, Node ${process.version}, all on
this one machine over loopback. One process runs the real \`WebSocketBroadcastBackend\` and a small
orders API (GET answers after ${READ_LATENCY_MS} ms, like a database read; POST commits, broadcasts, answers) and
sends the events; two child processes hold ${CLIENTS_PER_GROUP} "ours" and ${CLIENTS_PER_GROUP} "naive" clients (each a
BroadcastClient on \`ws\`, a QueryClient and active detail queries), all connected during the whole run.
Each group listens on its own channel and the groups take turns with the same event schedule, so
neither group's refetch storm slows the other's events; (a) and (c) run ${REPETITIONS} times per group on fresh
entities and the table gives the mean and the worst case over all clients and repetitions.
A refetch is a queryFn call, i.e. one GET.

- **naive** is the spec's sketch: per event one \`invalidateQueries\` for \`[...prefix, entity_id]\` and one
  for \`prefix\` exact, with TanStack's defaults (\`cancelRefetch: true\`: each event cancels the running
  fetch and starts another; the cancelled request has already reached the server), plus the
  mutation's \`onSettled\` invalidation.
- **ours** is \`createBroadcastInvalidation\` with its defaults: a debounce shared by all keys of
  8 ms (64 ms while events keep coming, at most 250 ms), one follow-up after a fetch that was in
  flight when an event arrived, echo suppression via \`X-Broadcast-Origin\`, the pending-mutation guard.

${table}

Reading it: the naive pattern starts one request per event and, for a client's own change, two
(the echo, then \`onSettled\`). Ours turns a burst into one refetch per entity, or two when the
burst pauses for longer than one frame before it is over (the first window closes; from then on the
stream counts as busy and the rest of it is one more refetch), and never ends on stale data. With the echo sent before the HTTP
response, the follow-up rule alone absorbs it (the \`onSettled\` fetch starts after the event);
when it arrives after that refetch finished, only the origin tells the client it already has the
change. The "in N ms" column is the time the server took to send the events: on a loaded machine it
exceeds the nominal 100 ms.
`
  writePerformanceSection(section)
  console.log('\nwritten to docs/performance.md')
}
