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
 * without writing the doc, DUMP_DIR to keep each run's raw stamps there as JSON.
 */

import { type ChildProcess, fork } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium, newTablet, openApp } from '../examples/orders/test/browser/support/browser.js'
import { http, type MenuItemJson, type OrderJson } from '../examples/orders/test/browser/support/http.js'
import { ensureWebBuilt } from '../examples/orders/web/build.js'
import { type PageStamps, probesScript, READ_STAMPS } from './e2e-browser-probes.js'
import {
  buildTimelines,
  type ChangeTimeline,
  COMMIT_TO_RENDERED_STEPS,
  commitToRendered,
  mean,
  STEPS,
  type TimelineResult,
  tapToRendered,
} from './e2e-browser-timeline.js'
import { freshPostgresDatabase } from './fresh-postgres-database.js'
import { plotLatencyHistograms } from './latency-plot.js'
import { writePerformanceSection } from './performance-doc.js'
import { percentile } from './steady-traffic.js'

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
const GAP_MS = { min: 100, max: 300 }
/** Time for the last taps' chains to finish before the stamps are read. */
const DRAIN_MS = 2000
const TARGET = { p50: 30, p99: 60 }

type Database = 'pglite' | 'postgres'
const DATABASE_LABEL: Record<Database, string> = { pglite: 'PGlite', postgres: 'Postgres' }
/** `busy`: X and OTHER_ORDER_TABLETS other orders change; `alone`: only X changes. */
type Traffic = 'busy' | 'alone'
const otherOrderTablets = (traffic: Traffic) => (traffic === 'busy' ? OTHER_ORDER_TABLETS : 0)
const TRAFFIC_LABEL = (traffic: Traffic) =>
  traffic === 'busy'
    ? `X and ${OTHER_ORDER_TABLETS} other orders each changed every 100–300 ms`
    : 'only X changed, every 100–300 ms'

const wallClockNow = () => performance.timeOrigin + performance.now()
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
const load = (values: number[]) => values.map((v) => v.toFixed(1)).join(' / ')

// ── the server process ─────────────────────────────────────────────────────────────────────────

interface ServerSnapshot {
  /** item id → when its change committed. */
  commits: Map<string, number>
  /** The server process's CPU time so far. */
  cpuMs: number
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

// ── one run ────────────────────────────────────────────────────────────────────────────────────

interface RunResult {
  database: Database
  traffic: Traffic
  timelines: TimelineResult
  loadAtStart: number[]
  loadAtEnd: number[]
  /** Taps on the watched order and on the other orders, per second of the measured part. */
  watchedRate: number
  otherRate: number
  itemsAtEnd: number
  /** The server process's CPU time over the measured part's wall time. */
  serverCpuShare: number
  /** How late the server's event loop ran during the measured part. */
  serverLoopDelayMs: ServerSnapshot['loopDelayMs']
}

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
    const serverCpuShare = (atUntil.cpuMs - (await atMeasuredFrom).cpuMs) / (until - measuredFrom)
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
      itemsAtEnd: final.items.length,
      serverCpuShare,
      serverLoopDelayMs: atUntil.loopDelayMs,
    }
  } finally {
    await browser?.close()
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

// ── report ─────────────────────────────────────────────────────────────────────────────────────

const ms = (value: number) =>
  Number.isFinite(value) ? (Math.abs(value) < 10 ? value.toFixed(1) : value.toFixed(0)) : '–'

function stepCells(changes: ChangeTimeline[], of: (change: ChangeTimeline) => number, shareOf?: number) {
  const values = changes.map(of)
  const share = shareOf === undefined ? '' : `${Math.round((100 * mean(values)) / shareOf)} %`
  return `${ms(percentile(values, 50))} | ${ms(percentile(values, 99))} | ${share}`
}

function report(results: RunResult[]): string {
  const header = results.map((r) => `${DATABASE_LABEL[r.database]} p50 | p99 | share`).join(' | ')
  const align = results.map(() => '---:|---:|---:').join('|')
  const totalMean = (r: RunResult) => mean(r.timelines.changes.map(commitToRendered))
  const rows = STEPS.map((step) => {
    const inTotal = COMMIT_TO_RENDERED_STEPS.includes(step)
    const cells = results.map((r) =>
      stepCells(r.timelines.changes, step.of, inTotal ? totalMean(r) : undefined),
    )
    return `| ${step.name} | ${step.where} | ${cells.join(' | ')} |`
  })
  const total = results.map((r) => stepCells(r.timelines.changes, commitToRendered, totalMean(r)))
  const fromTap = results.map((r) => stepCells(r.timelines.changes, tapToRendered))
  const runs = results.map((r) => {
    const incomplete = Object.entries(r.timelines.incomplete)
      .map(([link, n]) => `${n} without ${link}`)
      .join(', ')
    return (
      `- ${DATABASE_LABEL[r.database]}: ${r.timelines.changes.length} changes to X measured` +
      ` (the server process used ${Math.round(100 * r.serverCpuShare)} % of a core; its event loop ran late by` +
      ` p50 ${ms(r.serverLoopDelayMs.p50)} / p99 ${ms(r.serverLoopDelayMs.p99)} / max ${ms(r.serverLoopDelayMs.max)} ms)` +
      ` (${r.watchedRate.toFixed(1)} taps/s on X, ${r.otherRate.toFixed(1)} taps/s on the other orders;` +
      ` X had ${ITEMS} → ${r.itemsAtEnd} items), ${r.timelines.getsPerChange.toFixed(2)} of B's GETs per change;` +
      ` load average ${load(r.loadAtStart)} at the start, ${load(r.loadAtEnd)} at the end` +
      `${incomplete ? `; ${incomplete}` : ''}; clock check: ${r.timelines.commitOutsidePost} commits stamped outside their POST.`
    )
  })
  return [
    `| step | where | ${header} |`,
    `|---|---|${align}|`,
    ...rows,
    `| **committed → rendered on B** | | ${total.map((cells) => cells.replace(/^([^|]+)\|([^|]+)\|/, '**$1**|**$2**|')).join(' | ')} |`,
    `| tap on A → rendered on B | | ${fromTap.join(' | ')} |`,
    '',
    ...runs,
  ].join('\n')
}

// ── run ────────────────────────────────────────────────────────────────────────────────────────

await ensureWebBuilt({ quiet: true })
const results: RunResult[] = []
for (const traffic of TRAFFIC) for (const database of DATABASES) results.push(await run(database, traffic))
const tables = TRAFFIC.map(
  (traffic) =>
    `**${TRAFFIC_LABEL(traffic)}** (ms):\n\n${report(results.filter((r) => r.traffic === traffic))}`,
).join('\n\n')
console.log(`\n${tables}\n`)
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
    max: 2000,
    targets: [
      { at: TARGET.p50, label: `target p50 ≤ ${TARGET.p50} ms` },
      { at: TARGET.p99, label: `target p99 ≤ ${TARGET.p99} ms` },
    ],
    series: results.flatMap((r) => [
      {
        label: `${DATABASE_LABEL[r.database]}, ${r.traffic === 'busy' ? 'X and other orders' : 'X alone'}: committed → rendered on B (${r.timelines.changes.length})`,
        color: colors[`${r.traffic} ${r.database}`],
        values: r.timelines.changes.map(commitToRendered),
      },
    ]),
  })
  writePerformanceSection(
    [
      SECTION,
      '',
      `\`npm run bench:e2e-browser\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, Chromium headless, ${cpus().length} cores shared with other work).`,
      '',
      tables,
      '',
      '![bench:e2e-browser: commit → rendered on tablet B](e2e-browser-latency.png)',
      '',
    ].join('\n'),
  )
  process.stderr.write('wrote docs/performance.md and docs/e2e-browser-latency.png\n')
}
