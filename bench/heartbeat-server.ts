/**
 * The server process of bench:heartbeat. HEARTBEAT=spread: a WebSocketBroadcastBackend (its
 * heartbeat spread over the interval); HEARTBEAT=loop: a plain `ws` server with the classic
 * heartbeat, one synchronous loop pinging every socket each interval (what the backend did before,
 * as ws's README shows it). Prints `{"port": N}`; then each stdin line `measure <ms>` answers one
 * JSON line: open connections, the longest heartbeat run in that window (one slice of the spread
 * heartbeat, or the whole loop), and the event loop's delay over it (max, p99, p50 in ms), sampled
 * every millisecond with perf_hooks.monitorEventLoopDelay (it also counts GC pauses and waiting for
 * a CPU on a loaded machine).
 */
import { createServer } from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import { type WebSocket, WebSocketServer } from 'ws'
import { SpreadHeartbeat } from '../packages/backend-patterns/src/broadcast/spread-heartbeat.js'

/** Longest synchronous heartbeat run (one slice, or the whole loop) since the last measure, in ms. */
let longestBeatMs = 0
function timed(run: () => void): void {
  const started = performance.now()
  run()
  longestBeatMs = Math.max(longestBeatMs, performance.now() - started)
}
// The backend's heartbeat is SpreadHeartbeat; time each of its slices (the module instance the
// backend uses: same file).
const tick = SpreadHeartbeat.prototype.tick
SpreadHeartbeat.prototype.tick = function (this: SpreadHeartbeat<unknown>) {
  timed(() => tick.call(this))
}

const heartbeatMs = Number(process.env.HEARTBEAT_MS ?? 30_000)
const variant = process.env.HEARTBEAT ?? 'spread'
const server = createServer((_request, response) => response.writeHead(404).end())
let connections: () => number

if (variant === 'spread') {
  const backend = new WebSocketBroadcastBackend({
    heartbeatMs,
    maxConnections: 30_000,
    maxConnectionsPerAddress: 30_000,
    subscribeTimeoutMs: 3_600_000,
  })
  backend.attach(server)
  connections = () => backend.getTotalConnections()
} else {
  const wss = new WebSocketServer({ server, path: '/ws/broadcast', perMessageDeflate: false })
  const alive = new WeakMap<WebSocket, boolean>()
  wss.on('connection', (ws) => {
    alive.set(ws, true)
    ws.on('pong', () => alive.set(ws, true))
    ws.on('error', () => {})
  })
  setInterval(
    () =>
      timed(() => {
        for (const ws of wss.clients) {
          if (!alive.get(ws)) {
            ws.terminate()
            continue
          }
          alive.set(ws, false)
          ws.ping()
        }
      }),
    heartbeatMs,
  )
  connections = () => wss.clients.size
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  )
})

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, ms] = line.split(' ')
  if (command === 'connections') {
    process.stdout.write(`${JSON.stringify({ connections: connections() })}\n`)
    return
  }
  if (command !== 'measure') return
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  histogram.enable()
  longestBeatMs = 0
  setTimeout(() => {
    histogram.disable()
    process.stdout.write(
      `${JSON.stringify({
        connections: connections(),
        beatMs: longestBeatMs,
        maxMs: histogram.max / 1e6,
        p99Ms: histogram.percentile(99) / 1e6,
        p50Ms: histogram.percentile(50) / 1e6,
      })}\n`,
    )
  }, Number(ms))
})
