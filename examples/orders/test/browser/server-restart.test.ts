import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noBroadcastDispatch, UnitOfWork } from '@pattern-stack/backend-patterns/events'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../server/db/client.js'
import { OrderService } from '../../server/services/order-service.js'
import { orderSync } from '../../server/sync.js'
import { ensureWebBuilt } from '../../web/build.js'
import { launchChromium, newTablet, openApp, screenshot, shouldSkipBrowserTests } from './support/browser.js'
import { http, type OrderJson } from './support/http.js'
import { type RunningServer, startOrdersServer } from './support/orders-server.js'

/**
 * The server dies mid-session and comes back on the same port with the same database. The tablets
 * must say they are reconnecting, then converge to what the database holds, including changes
 * whose broadcasts they could not have received.
 */
describe.skipIf(shouldSkipBrowserTests())('Orders app across a server restart', () => {
  let dataDir: string
  let server: RunningServer | undefined
  let browser: Browser
  let contexts: BrowserContext[] = []

  beforeAll(async () => {
    await ensureWebBuilt({ quiet: true })
    dataDir = mkdtempSync(join(tmpdir(), 'orders-restart-'))
    server = await startOrdersServer({ dataDir })
    browser = await launchChromium()
    contexts = [await newTablet(browser, 'tablet A'), await newTablet(browser, 'tablet B')]
  }, 120_000)

  afterAll(async () => {
    for (const context of contexts) await context.close()
    await browser?.close()
    await server?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  const banner = (page: Page, state: string) =>
    page.locator(`[data-testid="connection-banner"][data-state="${state}"]`)
  const ticketNames = async (page: Page) =>
    (await page.getByTestId('ticket-item').locator('.item-name').allTextContents()).map((t) => t.trim())

  it('shows reconnecting, then converges both tablets to the database', async () => {
    const running = server as RunningServer
    const { port, baseUrl } = running
    const order = await http<OrderJson>(baseUrl, 'POST', '/orders', { notes: 'restart' })
    await http(baseUrl, 'POST', `/orders/${order.id}/items`, {
      name: 'Before the outage',
      quantity: 1,
      unit_price: 100,
    })
    const [a, b] = [
      await (contexts[0] as BrowserContext).newPage(),
      await (contexts[1] as BrowserContext).newPage(),
    ]
    for (const page of [a, b]) {
      await openApp(page, baseUrl, `#/orders/${order.id}`)
      await page.getByTestId('ticket-items').getByText('Before the outage').waitFor()
    }

    // Kill the server: both tablets notice and say so.
    await running.close()
    server = undefined
    await banner(a, 'reconnecting').waitFor()
    await banner(b, 'reconnecting').waitFor()
    await screenshot(a, 'restart-reconnecting')

    // While it is down, another client changes the order straight in the database: no broadcast
    // will ever announce this change, so only a resync on reconnect can bring it to the tablets.
    const database = await openDatabase({ dataDir })
    const orders = new OrderService(new UnitOfWork({ db: database.db, dispatch: noBroadcastDispatch }))
    await orders.addItem({ actor: 'script', allow: orderSync }, order.id, {
      name: 'During the outage',
      quantity: 2,
      unit_price: 250,
    })
    await database.close()

    // The server comes back on the same port and database; another client adds an item over HTTP
    // at once, racing the tablets' reconnect.
    server = await startOrdersServer({ dataDir, port })
    await http(baseUrl, 'POST', `/orders/${order.id}/items`, {
      name: 'Right after',
      quantity: 1,
      unit_price: 300,
    })

    await banner(a, 'reconnecting').waitFor({ state: 'detached' })
    await banner(b, 'reconnecting').waitFor({ state: 'detached' })
    const truth = await http<OrderJson>(baseUrl, 'GET', `/orders/${order.id}`)
    const expected = truth.items.map((item) => `${item.quantity} × ${item.name}`)
    expect(expected).toEqual(['1 × Before the outage', '2 × During the outage', '1 × Right after'])
    await expect.poll(() => ticketNames(a)).toEqual(expected)
    await expect.poll(() => ticketNames(b)).toEqual(expected)
    expect(await a.getByTestId('connection-banner').count()).toBe(0)
    await screenshot(b, 'restart-converged')
  })
})
