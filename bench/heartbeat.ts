/**
 * `npm run bench:heartbeat` (issue 16 item 5): does the server's heartbeat stall the event loop?
 * 19,000 WebSocket connections (CONNECTIONS) from 4 client processes to one server process, with
 * the product's 30 s heartbeat (HEARTBEAT_MS), side by side in one run: the classic heartbeat (one
 * synchronous loop pinging every socket each interval; what WebSocketBroadcastBackend did before)
 * and ours (SpreadHeartbeat: the same pings in 50 ms slices over the interval). For each, the
 * longest synchronous heartbeat run and the server's event-loop delay over WINDOW_MS (default 1.2
 * intervals, so it holds a whole round), sampled every millisecond. Target: no heartbeat stall over
 * 20 ms. WRITE=0 prints without writing docs/performance.md.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { writePerformanceSection } from './performance-doc.js'

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 19_000)
const HEARTBEAT_MS = Number(process.env.HEARTBEAT_MS ?? 30_000)
const WINDOW_MS = Number(process.env.WINDOW_MS ?? Math.round(HEARTBEAT_MS * 1.2))
const CLIENT_PROCESSES = 4
const TSX_LOADER = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

function run(
  script: string,
  env: Record<string, string>,
): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, '--conditions=source', here(script)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]()
  return { child, lines }
}

async function nextJson<T>(lines: AsyncIterator<string>): Promise<T> {
  const { value, done } = await lines.next()
  if (done) throw new Error('process ended')
  return JSON.parse(value) as T
}

interface Measured {
  connections: number
  beatMs: number
  maxMs: number
  p99Ms: number
  p50Ms: number
}

async function measure(variant: 'loop' | 'spread'): Promise<Measured> {
  const server = run('./heartbeat-server.ts', { HEARTBEAT: variant, HEARTBEAT_MS: String(HEARTBEAT_MS) })
  const { port } = await nextJson<{ port: number }>(server.lines)
  const clients = Array.from({ length: CLIENT_PROCESSES }, (_, i) =>
    run('./heartbeat-clients.ts', {
      URL: `ws://127.0.0.1:${port}/ws/broadcast`,
      COUNT: String(
        Math.floor(CONNECTIONS / CLIENT_PROCESSES) + (i < CONNECTIONS % CLIENT_PROCESSES ? 1 : 0),
      ),
    }),
  )
  const started = Date.now()
  await Promise.all(clients.map((c) => nextJson(c.lines)))
  console.log(
    `${variant}: ${CONNECTIONS} connections open after ${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
  server.child.stdin?.write(`measure ${WINDOW_MS}\n`)
  const result = await nextJson<Measured>(server.lines)
  for (const c of clients) c.child.kill('SIGKILL')
  server.child.kill('SIGKILL')
  return result
}

const load = loadavg()
  .map((n) => n.toFixed(1))
  .join(' / ')
const results = { loop: await measure('loop'), spread: await measure('spread') }
const names = {
  loop: 'one loop over every socket (before)',
  spread: 'spread in 50 ms slices (SpreadHeartbeat)',
}
const rows = Object.entries(results).map(
  ([name, r]) =>
    `| ${names[name as keyof typeof names]} | ${r.connections} | **${r.beatMs.toFixed(1)} ms** | ${r.maxMs.toFixed(1)} ms | ${r.p99Ms.toFixed(1)} ms | ${r.p50Ms.toFixed(1)} ms |`,
)
const section = [
  '## Heartbeat (bench:heartbeat)',
  '',
  `${CONNECTIONS} WebSocket connections (4 client processes) to one server process, heartbeat ${HEARTBEAT_MS} ms,`,
  `the server's event-loop delay over ${WINDOW_MS} ms (a whole heartbeat round), sampled every millisecond`,
  '(`monitorEventLoopDelay`), and the longest synchronous heartbeat run (one slice, or the whole loop),',
  'which any broadcast landing in it waits for. The delay maximum also counts GC and waiting for a CPU.',
  `Load average at the start: ${load} (2 cores shared with other work). Target: no stall over 20 ms.`,
  '',
  '| heartbeat | connections | longest heartbeat run (stall) | event-loop delay max | p99 | p50 |',
  '|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n')
console.log(`\n${section}`)
if (process.env.WRITE !== '0') writePerformanceSection(section)
