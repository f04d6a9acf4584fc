/**
 * bench:fanout — how fast does one server fan a broadcast out to 1,000 and 5,000 WebSocket
 * subscribers? Side by side in one run: sync-patterns' WebSocketBroadcastBackend, Socket.IO 4
 * (room emit) and a plain `ws` send loop. This process is the server; the load clients run in a
 * child process (fanout-client.ts). Writes its table to docs/performance.md.
 *
 *   npm run bench:fanout                      # full run, writes docs/performance.md
 *   SUBSCRIBERS=1000 REPS=1 WRITE=0 npm run bench:fanout   # quick look, no doc
 */

import { type ChildProcess, fork } from 'node:child_process'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { FromClient, ToClient } from './fanout-client.js'
import { type Measurement, median, percentile, renderTables } from './fanout-report.js'
import {
  type FanoutServer,
  IMPLEMENTATIONS,
  type Implementation,
  startFanoutServer,
} from './fanout-servers.js'
import { writePerformanceSection } from './performance-doc.js'

const SUBSCRIBERS = (process.env.SUBSCRIBERS ?? '1000,5000').split(',').map(Number)
const REPS = Number(process.env.REPS ?? 2)
const ROUNDS = Number(process.env.ROUNDS ?? 30)
const BURSTS = Number(process.env.BURSTS ?? 3)
const BURST_SIZE = 40
const WARMUP = 5
// `npm run bench:fanout -- --no-write` does not reach the script through the nested npm run: use WRITE=0.
const WRITE_DOC = !process.argv.includes('--no-write') && process.env.WRITE !== '0'
const DOC = fileURLToPath(new URL('../docs/performance.md', import.meta.url))
const SECTION = '## Fan-out (bench:fanout)'

/** The load-client process and a request/response helper over its IPC channel. */
function startClients(): {
  child: ChildProcess
  ask: <T extends FromClient['type']>(m: ToClient, t: T) => Promise<Extract<FromClient, { type: T }>>
} {
  const child = fork(fileURLToPath(new URL('./fanout-client.ts', import.meta.url)), [], {
    execArgv: process.execArgv, // tsx's loader
    stdio: 'inherit',
  })
  const ask = <T extends FromClient['type']>(message: ToClient, type: T) =>
    new Promise<Extract<FromClient, { type: T }>>((resolve, reject) => {
      const onMessage = (reply: FromClient) => {
        if (reply.type === 'failed') {
          child.off('message', onMessage)
          reject(new Error(`load clients: ${reply.message}`))
        } else if (reply.type === type) {
          child.off('message', onMessage)
          resolve(reply as Extract<FromClient, { type: T }>)
        }
      }
      child.on('message', onMessage)
      child.send(message)
    })
  return { child, ask }
}

interface RunResult {
  cpuPerDeliveryUs: number
  /** Share of that CPU spent in the kernel (writes to loopback sockets). */
  systemShare: number
  burstCpuPerDeliveryUs: number
  burstRates: number[]
  timesToLastMs: number[]
}

/**
 * One side-by-side measurement at `subscribers`: all three servers run at once, each with its own
 * clients, and every round and burst goes through them in turn (rotating order), so load from
 * elsewhere on the machine hits all three alike.
 */
async function measure(
  subscribers: number,
  rep: number,
  ask: ReturnType<typeof startClients>['ask'],
): Promise<Map<Implementation, RunResult>> {
  const servers = new Map<Implementation, FanoutServer>()
  for (const implementation of IMPLEMENTATIONS) {
    const server = await startFanoutServer(implementation)
    servers.set(implementation, server)
    await ask({ type: 'connect', implementation, url: server.url, count: subscribers }, 'ready')
  }
  const state = new Map(
    IMPLEMENTATIONS.map((implementation) => [
      implementation,
      {
        seq: 0,
        expected: 0,
        cpuUs: 0,
        systemUs: 0,
        burstCpuUs: 0,
        burstRates: [] as number[],
        times: [] as number[],
      },
    ]),
  )
  const orderFor = (i: number) =>
    IMPLEMENTATIONS.map((_, k) => IMPLEMENTATIONS[(k + i + rep) % IMPLEMENTATIONS.length] as Implementation)

  const single = async (implementation: Implementation, measured: boolean) => {
    const server = servers.get(implementation) as FanoutServer
    const s = state.get(implementation) as NonNullable<ReturnType<typeof state.get>>
    const cpuStart = process.cpuUsage()
    const start = process.hrtime.bigint()
    await server.broadcast(s.seq++)
    s.expected++
    const { lastAt } = await ask({ type: 'await', implementation, events: s.expected }, 'reached')
    const cpu = process.cpuUsage(cpuStart)
    if (!measured) return
    s.times.push(Number(BigInt(lastAt) - start) / 1e6)
    s.cpuUs += cpu.user + cpu.system
    s.systemUs += cpu.system
  }
  const burst = async (implementation: Implementation) => {
    const server = servers.get(implementation) as FanoutServer
    const s = state.get(implementation) as NonNullable<ReturnType<typeof state.get>>
    const cpuStart = process.cpuUsage()
    const start = process.hrtime.bigint()
    for (let i = 0; i < BURST_SIZE; i++) await server.broadcast(s.seq++)
    s.expected += BURST_SIZE
    const { lastAt } = await ask({ type: 'await', implementation, events: s.expected }, 'reached')
    const cpu = process.cpuUsage(cpuStart)
    s.burstCpuUs += cpu.user + cpu.system
    s.burstRates.push((BURST_SIZE * subscribers) / (Number(BigInt(lastAt) - start) / 1e9))
  }

  for (let i = 0; i < WARMUP; i++)
    for (const implementation of orderFor(i)) await single(implementation, false)
  for (let i = 0; i < ROUNDS; i++)
    for (const implementation of orderFor(i)) await single(implementation, true)
  for (let b = 0; b < BURSTS; b++) for (const implementation of orderFor(b)) await burst(implementation)

  await ask({ type: 'close' }, 'closed')
  for (const server of servers.values()) await server.close()
  const results = new Map<Implementation, RunResult>()
  for (const [implementation, s] of state) {
    results.set(implementation, {
      cpuPerDeliveryUs: s.cpuUs / (ROUNDS * subscribers),
      systemShare: s.systemUs / s.cpuUs,
      burstCpuPerDeliveryUs: s.burstCpuUs / (BURSTS * BURST_SIZE * subscribers),
      burstRates: s.burstRates,
      timesToLastMs: s.times,
    })
  }
  return results
}

/** What the CPU numbers mean, from this run's own numbers: user space vs the kernel's write path. */
function reading(results: Measurement[]): string[] {
  const lines: string[] = []
  for (const subscribers of SUBSCRIBERS) {
    const get = (implementation: Implementation) =>
      results.find((r) => r.subscribers === subscribers && r.implementation === implementation)
    const ours = get('sync-patterns')
    const io = get('socket.io')
    if (!ours || !io) continue
    const user = (r: Measurement) => r.cpuPerDeliveryUs * (1 - r.systemShare)
    const kernel = (r: Measurement) => r.cpuPerDeliveryUs * r.systemShare
    lines.push(
      `- ${subscribers.toLocaleString('en-US')} subscribers, one broadcast at a time: user-space CPU per delivery ` +
        `${user(ours).toFixed(1)} µs vs Socket.IO's ${user(io).toFixed(1)} µs (${(user(ours) / user(io)).toFixed(2)}×); ` +
        `the kernel's write path costs ${kernel(ours).toFixed(1)} µs vs ${kernel(io).toFixed(1)} µs, one syscall per ` +
        `subscriber for every server, so the total is ${(ours.cpuPerDeliveryUs / io.cpuPerDeliveryUs).toFixed(2)}×. ` +
        `In bursts, where a socket's frames are coalesced, it is ` +
        `${(ours.burstCpuPerDeliveryUs / io.burstCpuPerDeliveryUs).toFixed(2)}×.`,
    )
  }
  return lines
}

function machine(): string {
  const cpu = cpus()
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`
}

function writeDoc(tables: string, notes: string[]): void {
  const section = [
    SECTION,
    '',
    'How fast one server fans a broadcast out to its WebSocket subscribers, side by side in one run:',
    "sync-patterns' `WebSocketBroadcastBackend` (one `encodeEventFrame`, one prebuilt WebSocket frame for",
    "all subscribers, a socket's further frames within a tick corked into one writev), Socket.IO 4.8",
    '(`io.to(room).emit`, which also prebuilds the frame once; websocket transport',
    'only, no compression) and a plain `ws` loop (`for (ws of subscribers) ws.send(JSON.stringify(frame))`).',
    'The servers run in one process; the load clients in a child process: raw WebSocket clients on TCP',
    'sockets (a minimal frame parser, so the client side stays cheap) speaking each wire format,',
    'Socket.IO through its Engine.IO framing (`40` connect, `42[...]` events, ping `2` → pong `3`).',
    '',
    '- All three servers run at once, each with its own clients; every round and burst goes through',
    '  them in turn (rotating order), so load from elsewhere on the machine hits all three alike.',
    '- **CPU µs / delivery**: server `process.cpuUsage()` (user + system) over one broadcast at a time,',
    `  ${ROUNDS} rounds per repetition, divided by the deliveries; "of which kernel" is the system-time`,
    '  share: one `write` per subscriber into a loopback TCP socket (the kernel also runs the receiving',
    "  side's TCP and wakes the client), a floor no server can go under without sending less often.",
    `- **burst**: ${BURST_SIZE} back-to-back broadcasts; deliveries per second from the first broadcast until`,
    `  the last subscriber received the last one (median of ${BURSTS} bursts × ${REPS} repetitions), and the`,
    '  server CPU per delivery over the burst.',
    '- **time to last subscriber**: from the `broadcast()` call to the moment the last subscriber',
    '  received it (monotonic clock shared by both processes), one broadcast at a time.',
    '',
    tables,
    '',
    ...notes,
    '',
    'Run it: `npm run bench:fanout` (rewrites this section). Options: `SUBSCRIBERS=1000,5000`,',
    '`REPS=2`, `ROUNDS=30`, `BURSTS=3`; `WRITE=0` prints without writing. Not part of `npm test`.',
    '',
  ].join('\n')
  writePerformanceSection(section)
}

async function main(): Promise<void> {
  const loadBefore = loadavg()
  const { child, ask } = startClients()
  const runs = new Map<string, RunResult[]>()
  for (let rep = 0; rep < REPS; rep++) {
    for (const subscribers of SUBSCRIBERS) {
      const results = await measure(subscribers, rep, ask)
      for (const [implementation, result] of results) {
        const key = `${implementation}@${subscribers}`
        runs.set(key, [...(runs.get(key) ?? []), result])
        console.log(
          `rep ${rep + 1}/${REPS} ${subscribers} ${implementation}: ${result.cpuPerDeliveryUs.toFixed(1)} µs/delivery ` +
            `(${Math.round(result.systemShare * 100)}% kernel), ` +
            `burst ${Math.round(median(result.burstRates) / 1000)}k/s, ` +
            `time to last ${median(result.timesToLastMs).toFixed(1)} ms`,
        )
        if (process.env.VERBOSE) console.log(result.timesToLastMs.map((t) => t.toFixed(0)).join(' '))
      }
    }
  }
  child.kill()
  const loadAfter = loadavg()

  const results: Measurement[] = []
  for (const subscribers of SUBSCRIBERS) {
    for (const implementation of IMPLEMENTATIONS) {
      const list = runs.get(`${implementation}@${subscribers}`) ?? []
      const times = list.flatMap((r) => r.timesToLastMs)
      results.push({
        implementation,
        subscribers,
        cpuPerDeliveryUs: median(list.map((r) => r.cpuPerDeliveryUs)),
        systemShare: median(list.map((r) => r.systemShare)),
        burstCpuPerDeliveryUs: median(list.map((r) => r.burstCpuPerDeliveryUs)),
        burstDeliveriesPerSecond: median(list.flatMap((r) => r.burstRates)),
        timeToLastMs: { median: median(times), p90: percentile(times, 90) },
      })
    }
  }
  const tables = renderTables(results)
  const notes = [...reading(results), '']
  notes.push(
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()}.`,
    `Load average (1 min) ${loadBefore[0]?.toFixed(1)} before and ${loadAfter[0]?.toFixed(1)} after the run (the load clients`,
    'share the 2 cores with the servers), so absolute numbers are noisy; the ratios compare runs interleaved in',
    'the same minutes (the servers take turns round by round). CPU / delivery is the median of the repetitions.',
  )
  console.log(`\n${tables}\n\n${notes.join('\n')}`)
  if (WRITE_DOC) {
    writeDoc(tables, notes)
    console.log(`\nwrote ${DOC}`)
  }
}

await main()
