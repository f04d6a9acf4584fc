/**
 * npm run bench:recovery — how fast, and at what cost, 2,000 clients are back and current after
 * their server restarts: full resync against positional recovery (the broadcast log as the server's
 * history), side by side in one run, after a crash (SIGKILL) and after a graceful restart (SIGTERM:
 * 4012 RESTARTING with a reconnect window), with nothing changed and with 10 orders changed while
 * the server was down.
 *
 * Server: the Orders server as `npm start` runs it (examples/orders/server/main.ts, the tests'
 * `startOrdersMain`) on a fresh Postgres database, in-memory broadcast, on one fixed port; the
 * full-resync side is the same server with BROADCAST_HISTORY=off (no history: each reconnecting
 * client refetches all it shows). A second instance on the same database, which no client reaches,
 * makes the changes while the first is down, so they are in the broadcast log. Positional runs go
 * first: a client back from a server without history has no position to recover from.
 *
 * Clients: WORKERS processes (recovery-clients.ts), CLIENTS tablets in all, each a real
 * BroadcastClient (product defaults) with a QueryClient and 3 active queries (the list, two orders).
 *
 * Measured per scenario, from the moment the new server listens (its start line): GETs per client,
 * the API's peak GETs per 100 ms, peak connections opened per 100 ms (as the clients saw them open),
 * and the time until 50 / 99 / 100 % of the clients are connected, and current (connected, caught up,
 * nothing fetching or about to, their orders at the database's versions).
 *
 * Env: CLIENTS (2000), WORKERS (4), ORDERS (100), WRITE=0 prints without writing
 * docs/performance.md, DATABASE_URL (the Postgres where database bench_recovery is made afresh).
 */
import { type ChildProcess, fork } from 'node:child_process'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { type OrdersMainProcess, startOrdersMain } from '../examples/orders/test/support/start-main.js'
import { freePort } from '../packages/backend-patterns/test/scale/free-port.js'
import { freshPostgresDatabase } from './fresh-postgres-database.js'
import { writePerformanceSection } from './performance-doc.js'
import { machineCpuMs, PostgresCpuTracker, processCpuMs } from './process-cpu.js'
import type { RecoveryCommand, RecoveryReport } from './recovery-clients.js'

const CLIENTS = Number(process.env.CLIENTS ?? 2000)
const WORKERS = Number(process.env.WORKERS ?? 4)
const ORDERS = Number(process.env.ORDERS ?? 100)
const CHANGED = 10
/** Longest a scenario may take from the new server listening until every client is current. */
const SCENARIO_TIMEOUT_MS = 150_000
/** Longer than the client's stableAfterMs (5 s): each scenario starts from the first backoff step. */
const SETTLE_MS = 6000

type Recovery = 'positional' | 'full'
type Restart = 'graceful' | 'crash'
interface Scenario {
  recovery: Recovery
  restart: Restart
  changed: number
}
interface Result extends Scenario {
  downMs: number
  getsPerClient: number
  peakGetsPer100ms: number
  peakAcceptsPer100ms: number
  connected: (number | null)[]
  current: (number | null)[]
  restartCloses: number
  restartWindowMs: number | null
  disconnected: number
  failedGets: number
  /** Per client, from the start of the attempt that connected to its open: the server's share. */
  handshakeMs: (number | null)[]
  /** CPU used from the server listening until all were current (or the timeout), in ms. */
  cpu: CpuShares
}
interface CpuShares {
  server: number | null
  clients: number | null
  /** Every Postgres process on the machine, whoever it served. */
  postgres: number | null
  /** The whole machine's busy time against its capacity (cores × wall time). */
  machineBusy: number | null
  machineTotal: number | null
}

/** What each part used since `before` (from `cpuNow`); null where it could not be read. */
function cpuSince(before: CpuShares, after: CpuShares): CpuShares {
  const diff = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a)
  return {
    server: diff(before.server, after.server),
    clients: diff(before.clients, after.clients),
    postgres: diff(before.postgres, after.postgres),
    machineBusy: diff(before.machineBusy, after.machineBusy),
    machineTotal: diff(before.machineTotal, after.machineTotal),
  }
}

const now = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** One forked client process and its request/reply channel. */
class Worker {
  private seq = 0
  private readonly pending = new Map<number, (reply: unknown) => void>()
  readonly up: Promise<unknown>

  constructor(readonly child: ChildProcess) {
    let markUp: (reply: unknown) => void = () => {}
    this.up = new Promise((resolve) => {
      markUp = resolve
    })
    this.pending.set(0, markUp)
    child.on('message', ({ seq, reply }: { seq: number; reply: unknown }) => {
      this.pending.get(seq)?.(reply)
      this.pending.delete(seq)
    })
  }

  ask<T>(command: RecoveryCommand): Promise<T> {
    const seq = ++this.seq
    return new Promise<T>((resolve) => {
      this.pending.set(seq, resolve as (reply: unknown) => void)
      this.child.send({ seq, command })
    })
  }
}

async function api(baseUrl: string, method: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
}

/** The time by which a share `q` of all `count` clients had reached it (null: not all did). */
function quantile(times: (number | null)[], q: number, count: number): number | null {
  const reached = times.filter((t): t is number => t !== null).sort((a, b) => a - b)
  const needed = Math.ceil(q * count)
  return reached.length >= needed ? (reached[needed - 1] as number) : null
}

function peakPer100ms(times: number[]): number {
  const buckets = new Map<number, number>()
  for (const t of times) buckets.set(Math.floor(t / 100), (buckets.get(Math.floor(t / 100)) ?? 0) + 1)
  return Math.max(0, ...buckets.values())
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()
  const databaseUrl = await freshPostgresDatabase('bench_recovery')
  const port = await freePort()
  const common = { DATABASE_URL: databaseUrl, ORDERS_RATE_LIMIT: 'off', HOST: '127.0.0.1' }
  const start = (recovery: Recovery) =>
    startOrdersMain({ ...common, PORT: String(port), BROADCAST_HISTORY: recovery === 'full' ? 'off' : 'on' })
  let server: OrdersMainProcess = await start('positional')
  const writer = await startOrdersMain({ ...common, PORT: '0' })
  const baseUrl = `http://127.0.0.1:${port}`

  const versions = new Map<string, number>()
  const orderIds = Array.from({ length: ORDERS }, () => crypto.randomUUID())
  for (const id of orderIds) {
    await api(writer.url, 'POST', '/orders', { id })
    versions.set(id, 1)
  }

  const self = fileURLToPath(new URL('./recovery-clients.ts', import.meta.url))
  const workers = Array.from({ length: WORKERS }, (_, w) => {
    const child = fork(self, [], {
      env: { ...process.env, LOCAL_ADDRESS: `127.0.0.${w + 2}` },
      execArgv: ['--conditions=source', '--import', 'tsx'],
    })
    return new Worker(child)
  })
  await Promise.all(workers.map((w) => w.up))
  const perWorker = Math.ceil(CLIENTS / WORKERS)
  const started = Date.now()
  const counts = await Promise.all(
    workers.map((worker, w) =>
      worker.ask<number>({
        cmd: 'start',
        baseUrl,
        count: Math.min(perWorker, CLIENTS - w * perWorker),
        orderIds,
        first: w * perWorker,
      }),
    ),
  )
  const clients = counts.reduce((a, b) => a + b, 0)
  console.log(`${clients} clients connected and showing their data in ${Date.now() - started} ms`)
  await sleep(SETTLE_MS)

  const scenarios: Scenario[] = []
  for (const recovery of ['positional', 'full'] as const)
    for (const restart of ['graceful', 'crash'] as const)
      for (const changed of [0, CHANGED]) scenarios.push({ recovery, restart, changed })

  const results: Result[] = []
  for (const scenario of scenarios) {
    await Promise.all(workers.map((w) => w.ask({ cmd: 'mark' })))
    const stoppedAt = now()
    await (scenario.restart === 'graceful' ? server.stop() : server.kill())
    if (scenario.changed > 0) {
      const changedNow: Record<string, number> = {}
      for (const id of orderIds.slice(0, scenario.changed)) {
        const version = versions.get(id) as number
        await api(writer.url, 'PATCH', `/orders/${id}`, { version, notes: `v${version + 1}` })
        versions.set(id, version + 1)
        changedNow[id] = version + 1
      }
      await Promise.all(workers.map((w) => w.ask({ cmd: 'expect', versions: changedNow })))
    }
    server = await start(scenario.recovery)
    const listenedAt = now()
    const postgresCpu = new PostgresCpuTracker()
    const cpuNow = (): CpuShares => {
      const perWorker = workers.map((w) => processCpuMs(w.child.pid))
      const machine = machineCpuMs()
      return {
        server: processCpuMs(server.child.pid),
        clients: perWorker.some((c) => c === null)
          ? null
          : perWorker.reduce((a: number, b) => a + (b ?? 0), 0),
        postgres: postgresCpu.usedMs(),
        machineBusy: machine?.busy ?? null,
        machineTotal: machine?.total ?? null,
      }
    }
    const cpuAtListen = cpuNow()
    const deadline = Date.now() + SCENARIO_TIMEOUT_MS
    for (;;) {
      const current = (await Promise.all(workers.map((w) => w.ask<number>({ cmd: 'progress' })))).reduce(
        (a, b) => a + b,
        0,
      )
      postgresCpu.sample()
      if (current === clients || Date.now() > deadline) break
      await sleep(250)
    }
    const cpu = cpuSince(cpuAtListen, cpuNow())
    await sleep(1000) // a late GET still counts
    const reports = await Promise.all(workers.map((w) => w.ask<RecoveryReport>({ cmd: 'report' })))
    const since = (t: number | null) => (t === null ? null : t - listenedAt)
    const gets = reports.flatMap((r) => r.gets).map((t) => t - listenedAt)
    const connected = reports.flatMap((r) => r.connectedAt).map(since)
    const result: Result = {
      ...scenario,
      downMs: listenedAt - stoppedAt,
      getsPerClient: gets.length / clients,
      peakGetsPer100ms: peakPer100ms(gets),
      peakAcceptsPer100ms: peakPer100ms(connected.filter((t): t is number => t !== null)),
      connected,
      current: reports.flatMap((r) => r.currentAt).map(since),
      restartCloses: reports.reduce((sum, r) => sum + r.restartCloses, 0),
      restartWindowMs: reports.find((r) => r.restartWindowMs !== null)?.restartWindowMs ?? null,
      disconnected: reports.reduce((sum, r) => sum + r.disconnected, 0),
      failedGets: reports.reduce((sum, r) => sum + r.failedGets, 0),
      handshakeMs: reports.flatMap((r) => r.handshakeMs),
      cpu,
    }
    results.push(result)
    console.log(row(result, clients))
    await sleep(SETTLE_MS)
  }

  for (const worker of workers) await worker.ask({ cmd: 'exit' }).catch(() => {})
  await server.stop()
  await writer.stop()
  const section = report(results, clients, loadAtStart, os.loadavg())
  console.log(`\n${section}`)
  if (process.env.WRITE !== '0') writePerformanceSection(section)
}

const windows = (results: Result[]) =>
  [...new Set(results.map((r) => r.restartWindowMs).filter((w) => w !== null))].join(' / ')
const seconds = (ms: number | null) => (ms === null ? '—' : (ms / 1000).toFixed(1))
const times = (list: (number | null)[], clients: number) =>
  [0.5, 0.99, 1].map((q) => seconds(quantile(list, q, clients))).join(' / ')

function row(r: Result, clients: number): string {
  const handshake = [0.5, 0.99].map((q) => seconds(quantile(r.handshakeMs, q, clients))).join(' / ')
  const { cpu } = r
  const busy =
    cpu.machineBusy === null || !cpu.machineTotal
      ? '—'
      : `${Math.round((100 * cpu.machineBusy) / cpu.machineTotal)} %`
  const cpuSeconds = [cpu.server, cpu.clients, cpu.postgres].map(seconds).join(' / ')
  return `| ${r.restart} | ${r.changed} | ${r.recovery === 'positional' ? 'positional recovery' : 'full resync'} | ${seconds(r.downMs)} | ${r.getsPerClient.toFixed(2)} | ${r.peakGetsPer100ms} | ${r.peakAcceptsPer100ms} | ${times(r.connected, clients)} | ${handshake} | ${times(r.current, clients)} | ${cpuSeconds} | ${busy} | ${r.restartCloses} | ${r.failedGets} | ${r.disconnected} |`
}

function report(results: Result[], clients: number, loadAtStart: number[], loadAtEnd: number[]): string {
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(' / ')
  const graceful = results.filter((r) => r.restart === 'graceful' && r.recovery === 'positional')
  const nothing = results.filter((r) => r.recovery === 'positional' && r.changed === 0)
  const p99 = graceful.map((r) => quantile(r.current, 0.99, clients))
  return `## Recovery after a restart (bench:recovery)

\`npm run bench:recovery\`: ${clients} clients (real \`BroadcastClient\`s with the product's reconnect
defaults, each with a QueryClient as the Orders web app sets it up and 3 active queries: the orders
list and two of ${ORDERS} orders) in ${WORKERS} processes, against the Orders server as \`npm start\`
runs it (Postgres, in-memory broadcast), which is stopped and started again on the same port:
after a **crash** (SIGKILL: the clients see 1006 and back off) and a **graceful** restart (SIGTERM:
4012 RESTARTING with the reconnect window, ${windows(results)} ms here), with nothing changed and with ${CHANGED} orders
changed while it was down (by a second instance on the same database). Full resync is the same
server with \`BROADCAST_HISTORY=off\`; positional recovery has the broadcast log as its history.
Times in seconds from the new server listening; "down" is from the stop until then (the new
process's start: tsx, migrations, listen). GETs are counted as the clients issue them (retries too);
accepts are connections opened, as the clients saw them; "handshake" is, per client, from the start
of the attempt that connected to its open (the server's share of "connected": the rest is waiting
for the attempt's turn). "Current": connected, caught up, nothing
fetching or about to, the orders at the database's versions. Run ${new Date().toISOString().slice(0, 10)}
on ${os.cpus().length} cores shared with other work, load average (1 / 5 / 15 min) ${load(loadAtStart)} at the start,
${load(loadAtEnd)} at the end.

| restart | changed | recovery | down s | GETs / client | peak GETs / 100 ms | peak accepts / 100 ms | connected 50 / 99 / 100 % | handshake 50 / 99 % | current 50 / 99 / 100 % | CPU s server / clients / Postgres | machine busy | 4012 closes seen | failed GETs | given up |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${results.map((r) => row(r, clients)).join('\n')}

Targets: ≤ 0.05 GETs per client with nothing changed (positional recovery: ${nothing.map((r) => `${r.getsPerClient.toFixed(2)} after a ${r.restart === 'crash' ? 'crash' : 'graceful restart'}`).join(', ')}: ${nothing.every((r) => r.getsPerClient <= 0.05) ? 'met' : 'not met'});
99 % current within 5 s of the server listening after a graceful restart (positional recovery: ${graceful.map((r, i) => `${seconds(p99[i] ?? null)} s with ${r.changed} changed (${p99[i] !== null && (p99[i] as number) <= 5000 ? 'met' : 'not met'})`).join(', ')}).
With orders changed, every client refetches the orders list (its entries show the changed orders'
fields) besides the changed orders it shows: ${clients} list GETs. "CPU s" is what the server, the
${WORKERS} client processes and every Postgres process used from the server listening until all
were current, and "machine busy" how full the ${os.cpus().length} cores were meanwhile: the clients run on the
same cores as the server and Postgres, so when the cores are full the wave ends when its total CPU
is spent, and the clients' share (which real tablets bring along on their own CPUs) is time the
server does not get. What bounds it: the section after this one.
`
}

await main()
process.exit(0)
