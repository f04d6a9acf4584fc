import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureWebBuilt } from '../../web/build.js'
import { launchChromium, newTablet, openApp, screenshot, shouldSkipBrowserTests } from './support/browser.js'
import { http, type OrderJson } from './support/http.js'
import { type RunningServer, startOrdersServer } from './support/orders-server.js'

/**
 * Runs the page's clock about `speedup` times faster than real time while `work` runs. The page
 * keeps the spec's defaults (10 reconnect attempts, up to 30 s apart: about two minutes before it
 * gives up); the test does not wait them out, and real sockets still fail or connect in real time.
 */
async function withFastClock<T>(page: Page, speedup: number, work: () => Promise<T>): Promise<T> {
  const stepMs = 25
  let running = true
  let failure: unknown
  const loop = (async () => {
    while (running) {
      await page.clock.runFor(stepMs * speedup)
      await new Promise((resolve) => setTimeout(resolve, stepMs))
    }
  })().catch((error: unknown) => {
    failure = error
  })
  const stop = async () => {
    running = false
    await loop
  }
  let result: T
  try {
    result = await work()
  } catch (error) {
    await stop()
    throw failure ?? error // a clock that failed is the cause of the timeout it leads to
  }
  await stop()
  if (failure) throw failure
  return result
}

/**
 * A kitchen display on the wall: nobody taps it. The server goes away for longer than the client's
 * reconnect attempts last, so the client gives up ('disconnected', as the spec says); when the
 * server is back, the display must find it by itself and follow changes again.
 */
describe.skipIf(shouldSkipBrowserTests())('an unattended kitchen display', () => {
  let dataDir: string
  let server: RunningServer | undefined
  let browser: Browser
  let context: BrowserContext

  beforeAll(async () => {
    await ensureWebBuilt({ quiet: true })
    dataDir = mkdtempSync(join(tmpdir(), 'orders-unattended-'))
    server = await startOrdersServer({ dataDir })
    browser = await launchChromium()
    context = await newTablet(browser, 'kitchen display')
  }, 120_000)

  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await server?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  const banner = (page: Page, state: string) =>
    page.locator(`[data-testid="connection-banner"][data-state="${state}"]`)

  it('gives up while the server is down, then recovers by itself once it is back, and follows changes again', {
    timeout: 300_000,
  }, async () => {
    const { port, baseUrl } = server as RunningServer
    const page = await context.newPage()
    await page.clock.install() // the app's timers run on a clock the test can move; it flows as usual until then
    await openApp(page, baseUrl, '#/kitchen')

    // The server dies for longer than the client's reconnect attempts last.
    await (server as RunningServer).close()
    server = undefined
    await banner(page, 'reconnecting').waitFor()
    await withFastClock(page, 20, () => banner(page, 'disconnected').waitFor({ timeout: 120_000 }))
    await screenshot(page, 'unattended-gave-up')

    // It comes back on the same port. Nobody taps "Try again".
    server = await startOrdersServer({ dataDir, port })
    await withFastClock(page, 20, () =>
      page.getByTestId('connection-banner').waitFor({ state: 'detached', timeout: 120_000 }),
    )

    // A change made now reaches the display through a broadcast.
    const order = await http<OrderJson>(baseUrl, 'POST', '/orders', { notes: 'after the outage' })
    await http(baseUrl, 'POST', `/orders/${order.id}/items`, { name: 'Soup', quantity: 1, unit_price: 450 })
    await http(baseUrl, 'POST', `/orders/${order.id}/transition`, { to: 'submitted' })
    const card = page.getByTestId('kitchen-submitted').locator(`[data-order-id="${order.id}"]`)
    await card.waitFor()
    expect(await card.textContent()).toContain('Soup')
    expect(await page.getByTestId('connection-banner').count()).toBe(0)
    await screenshot(page, 'unattended-recovered')
  })
})
