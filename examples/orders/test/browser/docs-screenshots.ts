/**
 * Makes docs/screenshots/: each screen of the Orders app (orders list, order entry, kitchen, edit,
 * the 409 dialog, a toast, the open devtools panel) on a 1024×768 tablet and a 390×844 phone, on a
 * fresh server with the seed data.
 *
 *   npx tsx --conditions=source examples/orders/test/browser/docs-screenshots.ts
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { ensureWebBuilt } from '../../web/build.js'
import { browserProblems, launchChromium, newTablet, openApp, PHONE, TABLET } from './support/browser.js'
import { http, type OrderJson } from './support/http.js'
import { type RunningServer, startOrdersServer } from './support/orders-server.js'

const OUTPUT_DIR = fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url))

/** A full-page PNG, so nothing below the fold is cut off; `viewportOnly` for what one screen shows (a toast). */
async function shoot(page: Page, name: string, { viewportOnly = false } = {}) {
  // A tap leaves its button looking pressed: tap the heading, as a person's next touch would.
  await page.locator('main h2').first().tap()
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  )
  await page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: !viewportOnly })
  console.log(`wrote docs/screenshots/${name}.png`)
}

async function screens(browser: Browser, server: RunningServer, size: string, viewport: typeof TABLET) {
  const context = await newTablet(browser, size, viewport)
  const other = await newTablet(browser, `${size} (other)`, viewport)
  const page = await context.newPage()
  const base = server.baseUrl
  await openApp(page, base, '#/orders')
  await page.getByTestId('order-row').first().waitFor()
  await shoot(page, `${size}-orders`)

  // A new order, and order entry after a few taps: three espressos are one line.
  await page.getByRole('button', { name: 'New order' }).tap()
  await page.waitForURL(/#\/orders\/[0-9a-f-]{36}$/)
  const order = { id: decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '') }
  for (const name of ['Espresso', 'Espresso', 'Croissant', 'Espresso', 'Avocado toast']) {
    await page.getByRole('button', { name: `Add ${name}` }).tap()
  }
  await page.getByTestId('saving-indicator').getByText('All changes saved').waitFor()
  await shoot(page, `${size}-order-entry`)

  // The devtools panel, open, on another tablet that saw those taps' broadcasts and one more.
  const watcher = await other.newPage()
  await openApp(watcher, base, `#/orders/${order.id}`)
  await watcher.getByTestId('sync-devtools').locator('summary').tap()
  await page.getByRole('button', { name: 'Add Cappuccino' }).tap()
  await watcher
    .getByRole('list', { name: 'Invalidated queries' })
    .first()
    .getByText(/refetched in/)
    .first()
    .waitFor()
  await shoot(watcher, `${size}-devtools-panel`)

  await openApp(page, base, '#/kitchen')
  await page.getByTestId('kitchen-card').first().waitFor()
  await shoot(page, `${size}-kitchen`)

  await openApp(page, base, `#/orders/${order.id}/edit`)
  await page.getByLabel('Notes').fill('Table 7, by the window; one espresso decaf')
  await shoot(page, `${size}-edit`)

  // The 409 dialog: someone else saved the order meanwhile.
  const current = await http<OrderJson>(base, 'GET', `/orders/${order.id}`)
  await http(base, 'PATCH', `/orders/${order.id}`, { version: current.version, notes: 'Table 7 (moved)' })
  await page.getByRole('button', { name: 'Save' }).tap()
  await page.getByRole('alertdialog', { name: 'Order was modified' }).waitFor()
  await shoot(page, `${size}-conflict`)

  // A toast: the kitchen took the order before this tablet heard of it (its refetches fail for
  // now), so the server refuses the item; it rolls back and the toast says why.
  await openApp(page, base, `#/orders/${order.id}`)
  await page.route(`**/orders/${order.id}`, (route) => route.abort())
  await http(base, 'POST', `/orders/${order.id}/transition`, { to: 'submitted' })
  await page.getByRole('button', { name: 'Add Cinnamon roll' }).tap()
  await page.getByRole('alert').filter({ hasText: 'Could not add Cinnamon roll' }).waitFor()
  await shoot(page, `${size}-toast`, { viewportOnly: true })
  await page.unrouteAll()

  for (const c of [context, other]) {
    const problems = browserProblems(c)
    if (problems.length > 0) throw new Error(`${size}: the app complained:\n${problems.join('\n')}`)
    await c.close()
  }
}

await ensureWebBuilt({ quiet: true })
mkdirSync(OUTPUT_DIR, { recursive: true })
const browser = await launchChromium()
try {
  for (const [size, viewport] of [
    ['tablet', TABLET],
    ['phone', PHONE],
  ] as const) {
    // A fresh server for each size, so both show the same orders.
    const dataDir = mkdtempSync(join(tmpdir(), 'orders-screenshots-'))
    const server = await startOrdersServer({ dataDir })
    try {
      await screens(browser, server, size, viewport)
    } finally {
      await server.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
} finally {
  await browser.close()
}
