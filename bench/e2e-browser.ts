/**
 * `npm run bench:e2e-browser`: commit → rendered on another tablet, in Chromium, under steady traffic.
 *
 * The Orders demo as `npm start` runs it (bench/e2e-browser-server.ts: the real server in its own
 * process, in-memory broadcast, the built web UI), once on PGlite and once on a fresh Postgres
 * database. Tablets are Chromium browser contexts in one browser (touch, 1024×768), each on the
 * order entry screen of the real UI:
 *
 * - tablet B, observed, on order X (which starts with ITEMS items);
 * - SAME_ORDER_TABLETS tablets on X take turns tapping a menu item: X changes every 100–300 ms;
 * - OTHER_ORDER_TABLETS tablets each on an order of their own, each tapping every 100–300 ms
 *   (their broadcasts reach B too; B's detail query ignores them). A second traffic level runs
 *   without them ("X alone"), to tell the server's queue from the path itself.
 *
 * Taps are real touch events (Playwright's touchscreen, at the menu buttons' centres), so every
 * change goes through the app's optimistic mutation, as a person makes it. Stamps in the pages
 * (bench/e2e-browser-probes.ts) and the server's commit stamp, all `performance.timeOrigin +
 * performance.now()`, are joined per change (bench/e2e-browser-timeline.ts) into the steps from the
 * tap to the frame that paints the item on B.
 *
 * Writes "## End to end in Chromium (bench:e2e-browser)" in docs/performance.md and
 * docs/e2e-browser-latency.png. bench:e2e (Node tablets, one mutation at a time) stays beside it.
 * Env: DURATION_S (30 per database), WARMUP_S (3), ITEMS (200), SAME_ORDER_TABLETS (2),
 * OTHER_ORDER_TABLETS (2), DATABASES (`pglite,postgres`), TRAFFIC (`busy,alone`), WRITE=0 to print
 * without writing the doc, DUMP_DIR to keep each run's raw stamps there as JSON, SERVER_NICE (0) for the
 * server process's priority.
 */

import { type ChildProcess, fork } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, setPriority, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium, newTablet, openApp } from '../examples/orders/test/browser/support/browser.js'
import { http, type MenuItemJson, type OrderJson } from '../examples/orders/test/browser/support/http.js'
import { ensureWebBuilt } from '../examples/orders/web/build.js'
import { type PageStamps, probesScript, READ_STAMPS } from './e2e-browser-probes.js'
import {
  analysis,
  CUTS,
  DATABASE_LABEL,
  type Database,
  FLOORS,
  type RunResult,
  runNotes,
  stepTable,
  TARGET,
  type Traffic,
} from './e2e-browser-report.js'
import { buildTimelines, commitToRendered } from './e2e-browser-timeline.js'
import { freshPostgresDatabase } from './fresh-postgres-database.js'
import { plotLatencyHistograms } from './latency-plot.js'
import { writePerformanceSection } from './performance-doc.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PLOT_PNG = join(ROOT, 'docs/e2e-browser-latency.png')
const SECTION = '## End to end in Chromium (bench:e2e-browser)'
const DURATION_S = Number(process.env.DURATION_S ?? 30)
const WARMUP_S = Number(process.env.WARMUP_S ?? 3)
const ITEMS = Number(process.env.ITEMS ?? 200)
const SAME_ORDER_TABLETS = Number(process.env.SAME_ORDER_TABLETS ?? 2)
const OTHER_ORDER_TABLETS = Number(process.env.OTHER_ORDER_TABLETS ?? 2)
const DATABASES = (process.env.DATABASES ?? 'pglite,postgres').split(',') as Database[]
const TRAFFIC = (process.env.TRAFFIC ?? 'busy,alone').split(',') as Traffic[]
/**
 * The server process's nice value (default 0, as started). On a machine shared with the tablets'
 * browser, a negative one approximates a server on a machine of its own, as in a restaurant.
 */
const SERVER_NICE = Number(process.env.SERVER_NICE ?? 0)
const GAP_MS = { min: 100, max: 300 }
/** Time for the last taps' chains to finish before the stamps are read. */
const DRAIN_MS = 2000

const otherOrderTablets = (traffic: Traffic) => (traffic === 'busy' ? OTHER_ORDER_TABLETS : 0)
const TRAFFIC_LABEL = (traffic: Traffic) =>
  traffic === 'busy'
    ? `X and ${OTHER_ORDER_TABLETS} other orders each changed every 100–300 ms`
    : 'only X changed, every 100–300 ms'

const wallClockNow = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

// ── the server process ─────────────────────────────────────────────────────────────────────────

interface ServerSnapshot {
  /** item id → when its change committed. */
  commits: Map<string, number>
  /** The server process's CPU time so far. */
  cpuMs: number
  /** How long the server's main thread waited for a CPU so far. */
  runQueueMs: number
  /** How late the server's event loop ran since the previous snapshot. */
  loopDelayMs: { p50: number; p99: number; max: number }
}

interface ServerProcess {
  baseUrl: string
  snapshot(): Promise<ServerSnapshot>
  stop(): Promise<void>
}

async function startServer(dataDir: string, databaseUrl: string | undefined): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, PGLITE_DATA_DIR: dataDir }
  if (databaseUrl) env.DATABASE_URL = databaseUrl
  else delete env.DATABASE_URL
  const child: ChildProcess = fork(fileURLToPath(new URL('./e2e-browser-server.ts', import.meta.url)), [], {
    env,
    execArgv: ['--conditions=source', '--import', 'tsx'],
  })
  if (SERVER_NICE !== 0 && child.pid !== undefined) setPriority(child.pid, SERVER_NICE)
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)))
    child.on('message', (message: { listening?: string }) => {
      if (message.listening) resolve(message.listening)
    })
  })
  return {
    baseUrl,
    snapshot: () =>
      new Promise((resolve) => {
        const onMessage = (
          message: Partial<Omit<ServerSnapshot, 'commits'>> & { commits?: [string, number][] },
        ) => {
          if (!message.commits) return
          child.off('message', onMessage)
          resolve({
            commits: new Map(message.commits),
            cpuMs: message.cpuMs ?? Number.NaN,
            runQueueMs: message.runQueueMs ?? Number.NaN,
            loopDelayMs: message.loopDelayMs ?? { p50: Number.NaN, p99: Number.NaN, max: Number.NaN },
          })
        }
        child.on('message', onMessage)
        child.send('snapshot')
      }),
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

// ── the tablets ────────────────────────────────────────────────────────────────────────────────

interface Tablet {
  context: BrowserContext
  page: Page
  /** Where each menu item's "Add" button is on the screen (it does not move as the ticket grows). */
  menuButtons: { x: number; y: number }[]
}

async function openTablet(
  browser: Browser,
  name: string,
  baseUrl: string,
  orderId: string,
  observed: boolean,
  menu: MenuItemJson[],
): Promise<Tablet> {
  const context = await newTablet(browser, name)
  await context.addInitScript({ content: probesScript(observed ? orderId : null) })
  const page = await context.newPage()
  await openApp(page, baseUrl, `#/orders/${orderId}`)
  const menuButtons: { x: number; y: number }[] = []
  for (const item of menu) {
    const box = await page.getByRole('button', { name: `Add ${item.name}` }).boundingBox()
    if (!box) throw new Error(`${name}: no "Add ${item.name}" button on screen`)
    menuButtons.push({ x: box.x + box.width / 2, y: box.y + box.height / 2 })
  }
  return { context, page, menuButtons }
}

/**
 * Taps a random menu item every 100–300 ms (on the schedule, not after the previous tap finished)
 * until `until`, the tablets of `tablets` taking turns. Returns the number of taps.
 */
async function tapLane(tablets: Tablet[], until: number): Promise<number> {
  let due = wallClockNow()
  let taps = 0
  for (;;) {
    due += GAP_MS.min + Math.random() * (GAP_MS.max - GAP_MS.min)
    if (due >= until) return taps
    await sleep(due - wallClockNow())
    const tablet = tablets[taps % tablets.length] as Tablet
    const button = tablet.menuButtons[Math.floor(Math.random() * tablet.menuButtons.length)] as {
      x: number
      y: number
    }
    await tablet.page.touchscreen.tap(button.x, button.y)
    taps += 1
  }
}

/** As the browser reports it, for the doc. */
let chromiumVersion = ''

// ── one run ────────────────────────────────────────────────────────────────────────────────────

async function run(database: Database, traffic: Traffic): Promise<RunResult> {
  const loadAtStart = loadavg()
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-e2e-browser-'))
  const databaseUrl =
    database === 'postgres' ? await freshPostgresDatabase('orders_bench_e2e_browser') : undefined
  const server = await startServer(dataDir, databaseUrl)
  let browser: Browser | undefined
  try {
    const menu = await http<MenuItemJson[]>(server.baseUrl, 'GET', '/menu')
    const menuLine = (i: number) => ({
      menu_item_id: (menu[i % menu.length] as MenuItemJson).id,
      quantity: 1,
    })
    // A new order takes at most 100 items; the rest are added one by one.
    const newOrder = async (notes: string, items: number) => {
      const order = await http<OrderJson>(server.baseUrl, 'POST', '/orders', {
        notes,
        items: Array.from({ length: Math.min(items, 100) }, (_, i) => menuLine(i)),
      })
      for (let i = 100; i < items; i++)
        await http(server.baseUrl, 'POST', `/orders/${order.id}/items`, menuLine(i))
      return order
    }
    const watched = await newOrder('bench: watched by tablet B', ITEMS)
    const others = await Promise.all(
      Array.from({ length: otherOrderTablets(traffic) }, (_, i) => newOrder(`bench: tablet C${i + 1}`, 0)),
    )
    browser = await launchChromium()
    chromiumVersion = browser.version()
    const observer = await openTablet(browser, 'tablet B', server.baseUrl, watched.id, true, menu)
    const sameOrder: Tablet[] = []
    for (let i = 0; i < SAME_ORDER_TABLETS; i++)
      sameOrder.push(await openTablet(browser, `tablet A${i + 1}`, server.baseUrl, watched.id, false, menu))
    const otherOrder: Tablet[] = []
    for (const [i, order] of others.entries())
      otherOrder.push(await openTablet(browser, `tablet C${i + 1}`, server.baseUrl, order.id, false, menu))
    await observer.page.getByTestId('ticket-item').first().waitFor()

    process.stderr.write(
      `${DATABASE_LABEL[database]}: ${SAME_ORDER_TABLETS} tablets on order X, ${otherOrderTablets(traffic)} on others, ${WARMUP_S} + ${DURATION_S} s\n`,
    )
    const start = wallClockNow()
    const measuredFrom = start + WARMUP_S * 1000
    const until = measuredFrom + DURATION_S * 1000
    const atMeasuredFrom = sleep(measuredFrom - wallClockNow()).then(() => server.snapshot())
    const [watchedTaps, ...otherTaps] = await Promise.all([
      tapLane(sameOrder, until),
      ...otherOrder.map((tablet) => tapLane([tablet], until)),
    ])
    const atUntil = await server.snapshot()
    await sleep(DRAIN_MS)

    // Commits of the last taps land after `until`: read them once the chains have drained.
    const { commits } = await server.snapshot()
    const read = (tablet: Tablet) => tablet.page.evaluate(READ_STAMPS) as Promise<PageStamps>
    const stamps = {
      watchedOrderId: watched.id,
      changers: await Promise.all([...sameOrder, ...otherOrder].map(read)),
      observer: await read(observer),
      commits,
      from: measuredFrom,
    }
    if (process.env.DUMP_DIR)
      writeFileSync(
        join(process.env.DUMP_DIR, `e2e-browser-${database}-${traffic}.json`),
        JSON.stringify({ ...stamps, commits: [...commits] }),
      )
    const timelines = buildTimelines(stamps)
    const measuredFromSnapshot = await atMeasuredFrom
    const serverCpuShare = (atUntil.cpuMs - measuredFromSnapshot.cpuMs) / (until - measuredFrom)
    const final = await http<OrderJson>(server.baseUrl, 'GET', `/orders/${watched.id}`)
    const seconds = (until - start) / 1000
    return {
      database,
      traffic,
      timelines,
      loadAtStart,
      loadAtEnd: loadavg(),
      watchedRate: (watchedTaps ?? 0) / seconds,
      otherRate: otherTaps.reduce((sum, n) => sum + n, 0) / seconds,
      itemsAtStart: ITEMS,
      itemsAtEnd: final.items.length,
      serverCpuShare,
      serverRunQueueShare: (atUntil.runQueueMs - measuredFromSnapshot.runQueueMs) / (until - measuredFrom),
      serverLoopDelayMs: atUntil.loopDelayMs,
    }
  } finally {
    await browser?.close()
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

// ── run ────────────────────────────────────────────────────────────────────────────────────────

await ensureWebBuilt({ quiet: true })
const results: RunResult[] = []
for (const traffic of TRAFFIC) for (const database of DATABASES) results.push(await run(database, traffic))
const levels = TRAFFIC.map((traffic) => {
  const level = results.filter((r) => r.traffic === traffic)
  return `**${TRAFFIC_LABEL(traffic)}** (ms):\n\n${stepTable(level)}\n\n${runNotes(level)}`
}).join('\n\n')
const section = [
  SECTION,
  '',
  `\`npm run bench:e2e-browser\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, Chromium ${chromiumVersion} headless,`,
  `${cpus().length} cores shared with other work). The Orders demo as \`npm start\` runs it (the server in its own`,
  'process, in-memory broadcast, the built web UI), on PGlite in a fresh data directory and on a fresh',
  `Postgres database. Tablets are browser contexts of one Chromium (touch, 1024×768), all on the order`,
  `entry screen: B watches order X (${ITEMS} items at the start); ${SAME_ORDER_TABLETS} tablets on X take turns tapping a menu`,
  `item, so X changes every 100–300 ms; in the first level ${OTHER_ORDER_TABLETS} more tablets each change an order of their own`,
  'every 100–300 ms too. Every change is a real tap (a touch event at the menu button) going through',
  "the app's optimistic mutation; no change is made over HTTP by the bench. Each level runs",
  `${WARMUP_S} s unmeasured, then ${DURATION_S} s measured.`,
  '',
  '**One clock**: every stamp is `performance.timeOrigin + performance.now()`, in the pages (one',
  'browser, so one machine clock) and in the server process: a commit is stamped in the after-commit',
  'dispatch, right after the transaction committed. The clock check counts commits stamped outside',
  "their POST's [start, end] as the page saw it. In the pages (`e2e-browser-probes.ts`): the tap (the",
  "click a tap ends in), A's `fetch` of the POST (called, body read), the broadcast frame reaching B (a",
  "listener added in the WebSocket's constructor, before the app's), B's first GET of X whose body has",
  "the item (called, body read), the ticket's change in B's DOM (MutationObserver) and the next",
  '`requestAnimationFrame` callback after it (the start of the frame that paints it). *share* is each',
  "step's part of the mean committed → rendered; the steps from *committed* on add up to it. When the",
  'GET that first showed the item had been sent before its frame arrived (it waited at the server past',
  'the commit), *frame → GET* is 0 and the GET counts from the frame.',
  '',
  levels,
  '',
  '![bench:e2e-browser: commit → rendered on tablet B](e2e-browser-latency.png)',
  '',
  '### Where the time goes',
  '',
  analysis(results),
  '',
  'What was looked at for a cut, and why nothing in the path was cut:',
  '',
  CUTS,
  '',
  '### The targets and the floor of each step',
  '',
  `Targets (issue 15): committed → rendered on the other tablet p50 ≤ ${TARGET.p50} ms, p99 ≤ ${TARGET.p99} ms. What each`,
  'step costs at least, and why:',
  '',
  FLOORS,
  '',
  'bench:e2e ("End to end" above) measures the same loop without a browser or UI, one mutation at a',
  'time; it stays beside this one.',
  '',
].join('\n')
console.log(`\n${section}\n`)
if (process.env.WRITE !== '0') {
  const colors: Record<`${Traffic} ${Database}`, string> = {
    'busy pglite': '#1f6feb',
    'busy postgres': '#067647',
    'alone pglite': '#7c3aed',
    'alone postgres': '#b45309',
  }
  await plotLatencyHistograms({
    path: PLOT_PNG,
    title: 'bench:e2e-browser: commit → rendered on tablet B (share of changes per log-scale bin)',
    min: 1,
    max: 5000,
    targets: [
      { at: TARGET.p50, label: `target p50 ≤ ${TARGET.p50} ms` },
      { at: TARGET.p99, label: `target p99 ≤ ${TARGET.p99} ms` },
    ],
    series: results.map((r) => ({
      label: `${DATABASE_LABEL[r.database]}, ${r.traffic === 'busy' ? 'X and other orders' : 'X alone'}: committed → rendered on B (${r.timelines.changes.length})`,
      color: colors[`${r.traffic} ${r.database}`],
      values: r.timelines.changes.map(commitToRendered),
    })),
  })
  writePerformanceSection(section)
  process.stderr.write('wrote docs/performance.md and docs/e2e-browser-latency.png\n')
}
