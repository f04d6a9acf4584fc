/**
 * bench:memory — what does one open, subscribed WebSocket connection cost in the server's heap?
 * Side by side in one run: sync-patterns' WebSocketBroadcastBackend, a plain `ws` server and
 * Socket.IO 4 (the servers of bench:fanout), each alone in a process of its own (forked with
 * --expose-gc, connection-memory-server.ts). Load clients (fanout-client.ts, one process) connect
 * with a browser's upgrade headers and join the channel. Per server: WARM connections first (so
 * one-time costs, compiled code and pools are paid), the heap after full GCs, then CONNECTIONS
 * more and the heap again; the difference over CONNECTIONS is the cost of one connection. Writes
 * its table to docs/performance.md.
 *
 *   npm run bench:memory
 *   CONNECTIONS=2000 REPS=1 WRITE=0 npm run bench:memory   # quick look, no doc
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { FromServer, ToServer } from './connection-memory-server.js'
import type { FromClient, ToClient } from './fanout-client.js'
import { median } from './fanout-report.js'
import { IMPLEMENTATIONS, type Implementation } from './fanout-servers.js'
import { writePerformanceSection } from './performance-doc.js'

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 5000)
const WARM = Number(process.env.WARM ?? 500)
const REPS = Number(process.env.REPS ?? 3)
const WRITE_DOC = process.env.WRITE !== '0'
const SECTION = '## Memory per connection (bench:memory)'
/** The same bench on the backend before issue 16's reduction (5,000 connections, 3 runs each). */
const BEFORE = [
  'Before (main at 2a3c067: the upgrade request kept alive by a socket listener, every header kept,',
  'a settings object, a bound clock and five closures per connection): sync-patterns 6.82 KB, plain',
  'ws 2.85 KB, 2.39×; Socket.IO 11.31 KB. Now the request is let go once upgraded, only the headers',
  'named in `connectionHeaders` are kept (none by default), and the settings, the clock and the',
  'socket listeners are shared by every connection (BroadcastSocket carries its connection):',
].join('\n')

/** What Chromium sends with a WebSocket upgrade from a page (besides Host, Upgrade, Key, Version). */
const BROWSER_HEADERS: Record<string, string> = {
  Pragma: 'no-cache',
  'Cache-Control': 'no-cache',
  'User-Agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  Origin: 'https://orders.example.com',
  'Accept-Encoding': 'gzip, deflate, br, zstd',
  'Accept-Language': 'en-US,en;q=0.9,de;q=0.8',
  Cookie: `session=${'s'.repeat(64)}; theme=dark`,
  'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
}

function ipc<In, Out extends { type: string }>(child: ChildProcess) {
  return <T extends Out['type']>(message: In, type: T) =>
    new Promise<Extract<Out, { type: T }>>((resolve, reject) => {
      const onMessage = (reply: Out) => {
        if ((reply as { type: string }).type === 'failed') {
          child.off('message', onMessage)
          reject(new Error(`child: ${(reply as unknown as { message: string }).message}`))
        } else if (reply.type === type) {
          child.off('message', onMessage)
          resolve(reply as Extract<Out, { type: T }>)
        }
      }
      child.on('message', onMessage)
      child.send(message as object)
    })
}

interface Sample {
  heapPerConnection: number
  externalPerConnection: number
}

/** One server process from start to exit: WARM connections, heap, CONNECTIONS more, heap. */
async function measureOnce(implementation: Implementation): Promise<Sample> {
  const server = fork(
    fileURLToPath(new URL('./connection-memory-server.ts', import.meta.url)),
    [implementation],
    { execArgv: [...process.execArgv, '--expose-gc'], stdio: 'inherit' },
  )
  const clients = fork(fileURLToPath(new URL('./fanout-client.ts', import.meta.url)), [], {
    execArgv: process.execArgv,
    stdio: 'inherit',
  })
  try {
    const [listening] = (await once(server, 'message')) as [FromServer]
    if (listening.type !== 'listening') throw new Error('server did not start')
    const askServer = ipc<ToServer, FromServer>(server)
    const askClients = ipc<ToClient, FromClient>(clients)
    const connect = (count: number) =>
      askClients(
        { type: 'connect', implementation, url: listening.url, count, headers: BROWSER_HEADERS },
        'ready',
      )
    await connect(WARM)
    const before = await askServer({ type: 'heap' }, 'heap')
    await connect(CONNECTIONS)
    const after = await askServer({ type: 'heap' }, 'heap')
    return {
      heapPerConnection: (after.heapUsed - before.heapUsed) / CONNECTIONS,
      externalPerConnection: (after.external - before.external) / CONNECTIONS,
    }
  } finally {
    clients.kill()
    server.kill()
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`

async function main(): Promise<void> {
  const samples = new Map<Implementation, Sample[]>(IMPLEMENTATIONS.map((i) => [i, []]))
  const loadAtStart = loadavg()[0] ?? 0
  for (let rep = 0; rep < REPS; rep++) {
    // Rotate the order so drift on the machine hits every server alike.
    for (let k = 0; k < IMPLEMENTATIONS.length; k++) {
      const implementation = IMPLEMENTATIONS[(k + rep) % IMPLEMENTATIONS.length] as Implementation
      const sample = await measureOnce(implementation)
      samples.get(implementation)?.push(sample)
      console.log(
        `rep ${rep + 1}/${REPS} ${implementation}: heap ${kb(sample.heapPerConnection)}, external ${kb(sample.externalPerConnection)} per connection`,
      )
    }
  }
  const heap = (i: Implementation) => median((samples.get(i) ?? []).map((s) => s.heapPerConnection))
  const external = (i: Implementation) => median((samples.get(i) ?? []).map((s) => s.externalPerConnection))
  const plain = heap('plain-ws')
  const rows = IMPLEMENTATIONS.map(
    (i) =>
      `| ${i} | ${kb(heap(i))} | ${(heap(i) / plain).toFixed(2)}× | ${kb(external(i))} | ${(samples.get(i) ?? []).map((s) => kb(s.heapPerConnection)).join(', ')} |`,
  )
  const section = [
    SECTION,
    '',
    `Heap of one open, subscribed connection in the server (\`npm run bench:memory\`): ${CONNECTIONS.toLocaleString('en-US')}`,
    `connections added to ${WARM} already open, each server alone in its process, heap after full GCs;`,
    "clients send a browser's upgrade headers (user agent, origin, cookie, ...). Median of",
    `${REPS} runs per server, one run side by side; ${cpus().length} cores, load average ${loadAtStart.toFixed(1)} at the start.`,
    '',
    BEFORE,
    '',
    '| server | heap per connection | vs plain ws (target ≤ 1.20×) | external (buffers) per connection | runs |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n')
  console.log(`\n${section}`)
  if (WRITE_DOC) writePerformanceSection(section)
}

await main()
