/**
 * `npm run bench:tabs` (issue 18 item 1): what one connection per browser saves the server.
 * BROWSERS (default 1,000) simulated browsers × TABS (default 4) tabs, each tab a BroadcastClient
 * subscribed to `order`, side by side in one run: a connection per tab (shareAcrossTabs: false)
 * and one per browser (the tabs share it). For each: the server's open connections, its heap and
 * RSS after a full GC minus an idle baseline (what the connections cost), and one broadcast's fan-out:
 * frames the server writes and the time until every tab had the event. Server and clients run in
 * separate processes. WRITE=0 prints without writing docs/performance.md.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { writePerformanceSection } from './performance-doc.js'

const BROWSERS = Number(process.env.BROWSERS ?? 1000)
const TABS = Number(process.env.TABS ?? 4)
const BROADCASTS = 5
const TSX_LOADER = new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

function run(script: string, env: Record<string, string>, flags: string[] = []) {
  const child: ChildProcess = spawn(
    process.execPath,
    [...flags, '--import', TSX_LOADER, '--conditions=source', here(script)],
    { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]()
  const next = async <T>(): Promise<T> => {
    const { value, done } = await lines.next()
    if (done) throw new Error(`${script} ended`)
    return JSON.parse(value) as T
  }
  const ask = <T>(line: string) => {
    child.stdin?.write(`${line}\n`)
    return next<T>()
  }
  return { child, next, ask }
}

interface Memory {
  connections: number
  subscribers: number
  heapUsed: number
  rss: number
}

interface Measured {
  connections: number
  heapMiB: number
  rssMiB: number
  framesPerBroadcast: number
  fanoutMs: number
}

const mib = (bytes: number) => bytes / 2 ** 20

async function measure(shared: boolean): Promise<Measured> {
  const server = run('./tabs-server.ts', {}, ['--expose-gc'])
  const { port } = await server.next<{ port: number }>()
  const idle = await server.ask<Memory>('measure')
  const started = Date.now()
  const browsers = run('./tabs-browsers.ts', {
    URL: `ws://127.0.0.1:${port}/ws/broadcast`,
    BROWSERS: String(BROWSERS),
    TABS: String(TABS),
    SHARED: shared ? '1' : '0',
  })
  await browsers.next()
  const expectedSubscribers = shared ? BROWSERS : BROWSERS * TABS
  let loaded = await server.ask<Memory>('measure')
  while (loaded.subscribers < expectedSubscribers) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    loaded = await server.ask<Memory>('measure')
  }
  console.log(
    `${shared ? 'shared' : 'per tab'}: ${BROWSERS * TABS} tabs connected in ${((Date.now() - started) / 1000).toFixed(1)} s over ${loaded.connections} connections`,
  )
  const fanouts: number[] = []
  for (let i = 1; i <= BROADCASTS; i += 1) {
    const { at } = await server.ask<{ at: number }>('broadcast')
    const { lastAt } = await browsers.ask<{ lastAt: number }>(`expect ${i * BROWSERS * TABS}`)
    fanouts.push(lastAt - at)
  }
  fanouts.sort((a, b) => a - b)
  browsers.child.kill('SIGKILL')
  server.child.kill('SIGKILL')
  return {
    connections: loaded.connections,
    heapMiB: mib(loaded.heapUsed - idle.heapUsed),
    rssMiB: mib(loaded.rss - idle.rss),
    framesPerBroadcast: loaded.subscribers,
    fanoutMs: fanouts[Math.floor(fanouts.length / 2)] as number,
  }
}

const load = loadavg()
  .map((n) => n.toFixed(1))
  .join(' / ')
const perTab = await measure(false)
const shared = await measure(true)
const ratio = (a: number, b: number) => (b === 0 ? '–' : `${(a / b).toFixed(1)}×`)
const row = (name: string, m: Measured) =>
  `| ${name} | ${m.connections.toLocaleString('en')} | ${m.heapMiB.toFixed(1)} MiB | ${m.rssMiB.toFixed(1)} MiB | ${m.framesPerBroadcast.toLocaleString('en')} | ${m.fanoutMs.toFixed(0)} ms |`
const table = [
  '| | server connections | server heap (after GC, over idle) | server RSS (over idle) | frames per broadcast | one broadcast to every tab (median of 5) |',
  '|---|---|---|---|---|---|',
  row('a connection per tab', perTab),
  row('one per browser (shared)', shared),
  `| per tab ÷ shared | ${ratio(perTab.connections, shared.connections)} | ${ratio(perTab.heapMiB, shared.heapMiB)} | ${ratio(perTab.rssMiB, shared.rssMiB)} | ${ratio(perTab.framesPerBroadcast, shared.framesPerBroadcast)} | ${ratio(perTab.fanoutMs, shared.fanoutMs)} |`,
].join('\n')
console.log(table)

if (process.env.WRITE !== '0') {
  writePerformanceSection(`## One connection per browser (bench:tabs)

\`npm run bench:tabs\`: ${BROWSERS.toLocaleString('en')} simulated browsers × ${TABS} tabs, each tab a \`BroadcastClient\`
subscribed to \`order\`, against one \`WebSocketBroadcastBackend\` process, side by side in one run: a
connection per tab (\`shareAcrossTabs: false\`) and one per browser (the default: the tabs elect a
leader that holds the connection and relays over \`BroadcastChannel\`). The browsers run in one Node
process (Node's real \`BroadcastChannel\`; Web Locks' semantics from the in-process lock manager of
the runtime's tests, Node 20 having no \`navigator.locks\`). Memory is the server process's heap
after a full GC and its RSS, each minus the same process idle; the fan-out time is from the
server's \`broadcast()\` call until the last of the ${(BROWSERS * TABS).toLocaleString('en')} tabs had the event (client and
server on the same machine's clock; in the shared case it includes the relay over
\`BroadcastChannel\`, which in a browser happens inside each browser instead).

${table}

Machine: ${process.platform}, Node ${process.version}, load average ${load} at the start.
`)
  console.log('wrote docs/performance.md')
}
