/**
 * bench:e2e-browser's server process: the Orders server as `npm start` runs it (PGlite in a data
 * directory, or the Postgres of DATABASE_URL; in-memory broadcast; the built web app at /), started
 * through the browser tests' `startOrdersServer`, in its own process so the bench's driver does
 * not share its event loop. The one addition: each broadcast's commit is stamped (the dispatch runs
 * right after the transaction committed) on the wall clock the pages use, `performance.timeOrigin +
 * performance.now()`, and the stamps are handed to the parent when it asks.
 *
 * IPC: sends `{ listening: baseUrl }`; answers `'snapshot'` with `{ commits: [[itemId, at], ...], cpuMs,
 * runQueueMs, loopDelayMs }`: the process's CPU time so far (user + system); how long its main
 * thread so far waited, runnable, for a CPU (Linux's /proc/self/schedstat: on a machine shared with
 * other work this is where a CPU-starved server's time goes); and how late its event loop ran since
 * the previous snapshot (p50, p99, max: a loop that is late delays every request it has).
 * Env: PGLITE_DATA_DIR, DATABASE_URL (a fresh database: the parent makes it).
 */
import { existsSync, readFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { afterCommitDispatch } from '@pattern-stack/backend-patterns/events'
import { startOrdersServer } from '../examples/orders/test/browser/support/orders-server.js'

const wallClockNow = () => performance.timeOrigin + performance.now()
/** item id → when the change that added it committed. */
const commits: [string, number][] = []

const dataDir = process.env.PGLITE_DATA_DIR
if (!dataDir) throw new Error('PGLITE_DATA_DIR is required')
const server = await startOrdersServer({
  dataDir,
  ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
  dispatch: (backend) => {
    const publish = afterCommitDispatch(backend)
    return {
      afterCommit(messages) {
        const at = wallClockNow()
        for (const message of messages) {
          const itemId = message.payload.item_id
          if (typeof itemId === 'string') commits.push([itemId, at])
        }
        return publish.afterCommit?.(messages) ?? Promise.resolve()
      },
    }
  },
})

/** The main thread's time waiting on a run queue (ns → ms), or NaN where the kernel does not say. */
function runQueueMs(): number {
  const path = '/proc/thread-self/schedstat'
  if (!existsSync(path)) return Number.NaN
  const [, waitingNs] = readFileSync(path, 'utf8').trim().split(/\s+/).map(Number)
  return (waitingNs ?? Number.NaN) / 1e6
}

const loopDelay = monitorEventLoopDelay({ resolution: 5 })
loopDelay.enable()

process.on('message', (message) => {
  if (message !== 'snapshot') return
  const cpu = process.cpuUsage()
  const delay = (nanoseconds: number) => nanoseconds / 1e6
  process.send?.({
    commits,
    cpuMs: (cpu.user + cpu.system) / 1000,
    runQueueMs: runQueueMs(),
    loopDelayMs: {
      p50: delay(loopDelay.percentile(50)),
      p99: delay(loopDelay.percentile(99)),
      max: delay(loopDelay.max),
    },
  })
  loopDelay.reset()
})
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0))
})
process.send?.({ listening: server.baseUrl })
