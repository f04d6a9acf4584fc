import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page, Route } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ensureWebBuilt } from '../../web/build.js'
import {
  browserProblems,
  launchChromium,
  newTablet,
  openApp,
  screenshot,
  shouldSkipBrowserTests,
} from './support/browser.js'
import { http, type MenuItemJson, type OrderJson } from './support/http.js'
import { type RunningServer, startOrdersServer } from './support/orders-server.js'

/**
 * Two tablets (two browser contexts, so two caches and two broadcast connections) on the real
 * Orders server and the built web app.
 */
describe.skipIf(shouldSkipBrowserTests())('two tablets on the Orders app', () => {
  let dataDir: string
  let server: RunningServer
  let browser: Browser
  let contexts: BrowserContext[] = []
  let a: Page
  let b: Page
  let menu: MenuItemJson[]

  beforeAll(async () => {
    await ensureWebBuilt({ quiet: true })
    dataDir = mkdtempSync(join(tmpdir(), 'orders-browser-'))
    server = await startOrdersServer({ dataDir })
    browser = await launchChromium()
    contexts = [await newTablet(browser, 'tablet A'), await newTablet(browser, 'tablet B')]
    a = await (contexts[0] as BrowserContext).newPage()
    b = await (contexts[1] as BrowserContext).newPage()
    menu = await http<MenuItemJson[]>(server.baseUrl, 'GET', '/menu')
  }, 120_000)

  afterEach(() => {
    for (const context of contexts) expect(browserProblems(context)).toEqual([])
  })

  afterAll(async () => {
    for (const context of contexts) await context.close()
    await browser?.close()
    await server?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  const newDraftOrder = (notes: string) => http<OrderJson>(server.baseUrl, 'POST', '/orders', { notes })
  const firstMenuItem = () => menu[0] as MenuItemJson
  const ticket = (page: Page) => page.getByTestId('ticket-items')

  it('shows an item added on tablet A on A in the same frame, and on B after the broadcast', async () => {
    const order = await newDraftOrder('same frame')
    const item = firstMenuItem()
    await openApp(a, server.baseUrl, `#/orders/${order.id}`)
    await openApp(b, server.baseUrl, `#/orders/${order.id}`)
    await a.getByRole('button', { name: `Add ${item.name}` }).waitFor()

    // Hold A's request in the browser: whatever A shows before release cannot come from the server.
    const held: Route[] = []
    await a.route(`**/orders/${order.id}/items`, (route) => {
      held.push(route)
    })

    // Tap, then look at the DOM in the next animation frame callback: what that frame paints.
    const inSameFrame = await a.evaluate(async (name) => {
      const button = document.querySelector<HTMLButtonElement>(`button[aria-label="Add ${name}"]`)
      if (!button) throw new Error(`no button for ${name}`)
      button.click()
      await new Promise((resolve) => requestAnimationFrame(resolve))
      return {
        ticket: document.querySelector('[data-testid="ticket-items"]')?.textContent ?? '',
        saving: document.querySelector('[data-testid="saving-indicator"]')?.textContent ?? '',
      }
    }, item.name)
    expect(inSameFrame.ticket).toContain(item.name)
    expect(inSameFrame.saving).toMatch(/Saving/)
    await screenshot(a, 'tablet-a-optimistic-item')

    // The request left the browser only now; B has seen nothing yet.
    await expect.poll(() => held.length).toBe(1)
    expect(await ticket(b).textContent()).not.toContain(item.name)
    const released = performance.now()
    await (held[0] as Route).continue()
    await a.unroute(`**/orders/${order.id}/items`)

    await ticket(b).getByText(item.name).waitFor()
    console.log(
      `tablet B showed the item ${Math.round(performance.now() - released)} ms after A's request left`,
    )
    await a.getByTestId('saving-indicator').getByText('All changes saved').waitFor()
    await screenshot(b, 'tablet-b-synced-item')

    const saved = await http<OrderJson>(server.baseUrl, 'GET', `/orders/${order.id}`)
    expect(saved.items.map((i) => i.name)).toEqual([item.name])
    expect(await ticket(a).getByTestId('ticket-item').count()).toBe(1)
    expect(await ticket(b).getByTestId('ticket-item').count()).toBe(1)
  })

  it('works from the keyboard alone: menu items, the ticket and sending to the kitchen', async () => {
    const order = await newDraftOrder('keyboard')
    const item = firstMenuItem()
    await openApp(a, server.baseUrl, `#/orders/${order.id}`)
    const add = a.getByRole('button', { name: `Add ${item.name}` })
    await add.focus()
    await a.keyboard.press('Enter')
    await a.keyboard.press('Space')
    // Two of the same item are one line.
    await ticket(a).getByText(`2 × ${item.name}`).waitFor()
    await a.getByTestId('saving-indicator').getByText('All changes saved').waitFor()
    // Every control is a real, labelled button: it takes focus and answers Enter and Space.
    await ticket(a)
      .getByRole('button', { name: `Remove ${item.name}` })
      .first()
      .focus()
    await a.keyboard.press('Enter')
    await ticket(a).getByText(`1 × ${item.name}`).waitFor()
    await a.getByTestId('saving-indicator').getByText('All changes saved').waitFor()
    await a.getByRole('button', { name: 'Send to kitchen' }).focus()
    await a.keyboard.press('Enter')
    await a.getByTestId('order-status').getByText('Submitted').waitFor()
    const saved = await http<OrderJson>(server.baseUrl, 'GET', `/orders/${order.id}`)
    expect(saved.status).toBe('submitted')
    expect(saved.items.map((i) => i.name)).toEqual([item.name])
  })
})
