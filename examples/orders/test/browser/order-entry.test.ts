import type { Page, Route } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { openApp, screenshot, shouldSkipBrowserTests, waitConnected } from './support/browser.js'
import { textInFrameAfterNextClick } from './support/first-frame.js'
import { useTwoTablets } from './support/two-tablets.js'

const ticket = (page: Page) => page.getByTestId('ticket-items')
const ticketLines = async (page: Page) =>
  (await ticket(page).getByTestId('ticket-item').locator('.item-name').allTextContents()).map((t) => t.trim())
const allSaved = (page: Page) => page.getByTestId('saving-indicator').getByText('All changes saved').waitFor()

/** Order entry on two tablets, every control tapped as a person would. */
describe.skipIf(shouldSkipBrowserTests())('order entry, tapped', () => {
  const t = useTwoTablets()

  it('groups repeated taps of one menu item into one "4 ×" line, on A in the frame of each tap and on B', async () => {
    const order = await t.newOrder('four espressos')
    await openApp(t.a, t.server.baseUrl, `#/orders/${order.id}`)
    await openApp(t.b, t.server.baseUrl, `#/orders/${order.id}`)
    const espresso = t.a.getByRole('button', { name: 'Add Espresso' })
    for (const count of [1, 2, 3, 4]) {
      const ticketInNextFrame = await textInFrameAfterNextClick(t.a, 'ticket-items')
      await espresso.tap()
      expect(await ticketInNextFrame()).toContain(`${count} × Espresso`)
    }
    await t.a.getByRole('button', { name: 'Add Croissant' }).tap()
    expect(await ticketLines(t.a)).toEqual([
      expect.stringMatching(/^4 × Espresso/),
      expect.stringMatching(/^1 × Croissant/),
    ])
    await allSaved(t.a)
    await expect.poll(() => ticketLines(t.b)).toEqual(['4 × Espresso', '1 × Croissant'])
    expect(await t.b.getByTestId('ticket-total').textContent()).toBe('$12.90')
    expect((await t.saved(order.id)).items).toHaveLength(5)
  })

  it('removes one item of a grouped line with a tap, on A at once and on B after the broadcast', async () => {
    const order = await t.newOrder('remove one', [
      { name: 'Croissant' },
      { name: 'Croissant' },
      { name: 'Croissant' },
      { name: 'Espresso' },
    ])
    await openApp(t.a, t.server.baseUrl, `#/orders/${order.id}`)
    await openApp(t.b, t.server.baseUrl, `#/orders/${order.id}`)
    expect(await ticketLines(t.a)).toEqual(['3 × Croissant', '1 × Espresso'])

    await ticket(t.a).getByRole('button', { name: 'Remove Croissant' }).tap()
    expect(await ticketLines(t.a)).toEqual(['2 × Croissant', '1 × Espresso'])
    await expect.poll(() => ticketLines(t.b)).toEqual(['2 × Croissant', '1 × Espresso'])
    await allSaved(t.a)

    await ticket(t.b).getByRole('button', { name: 'Remove Espresso' }).tap()
    await expect.poll(() => ticketLines(t.a)).toEqual(['2 × Croissant'])
    await allSaved(t.b)
    expect((await t.saved(order.id)).items.map((item) => item.name)).toEqual(['Croissant', 'Croissant'])
  })

  it('sends the order to the kitchen with a tap; both tablets then disable the item controls and say why', async () => {
    const order = await t.newOrder('send', [{ name: 'Shakshuka' }])
    await openApp(t.a, t.server.baseUrl, `#/orders/${order.id}`)
    await openApp(t.b, t.server.baseUrl, `#/orders/${order.id}`)
    await t.a.getByRole('button', { name: 'Send to kitchen' }).tap()

    for (const page of [t.a, t.b]) {
      await page.getByTestId('order-status').getByText('Submitted').waitFor()
      const reason = page.getByTestId('items-locked')
      await reason.waitFor()
      expect(await reason.textContent()).toContain('only while it is a draft')
      // Every control the server would refuse is disabled, and points at the reason.
      for (const button of [
        page.getByRole('button', { name: 'Add Espresso' }),
        ticket(page).getByRole('button', { name: 'Remove Shakshuka' }),
      ]) {
        expect(await button.isDisabled()).toBe(true)
        expect(await button.getAttribute('aria-describedby')).toBe('items-locked')
      }
      expect(await page.getByRole('button', { name: 'Send to kitchen' }).count()).toBe(0)
    }
    await screenshot(t.b, 'entry-submitted-locked')
    expect((await t.saved(order.id)).status).toBe('submitted')
  })

  it('rolls back an item the server refuses and says why in a toast that names the order by its short id', async () => {
    const order = await t.newOrder('refused', [{ name: 'Espresso' }])
    const short = order.id.slice(0, 6).toUpperCase()
    await openApp(t.a, t.server.baseUrl, `#/orders/${order.id}`)
    await openApp(t.b, t.server.baseUrl, `#/orders/${order.id}`)
    // A does not hear of B's change yet: its refetch of the order is held in the browser, so A
    // still shows a draft order and lets the cook tap.
    const held: Route[] = []
    await t.a.route(`**/orders/${order.id}`, (route) => {
      if (route.request().method() === 'GET') held.push(route)
      else void route.continue()
    })
    await t.b.getByRole('button', { name: 'Send to kitchen' }).tap()
    await expect.poll(() => held.length).toBeGreaterThan(0)

    const refused = t.a.waitForResponse((response) => response.url().endsWith(`/orders/${order.id}/items`))
    await t.a.getByRole('button', { name: 'Add Croissant' }).tap()
    expect((await refused).status()).toBe(409)
    const toast = t.a.getByRole('alert').filter({ hasText: 'Could not add Croissant' })
    await toast.waitFor()
    const message = (await toast.textContent()) ?? ''
    expect(message).toContain(`#${short}`)
    expect(message).not.toContain(order.id)
    expect(await ticketLines(t.a)).toEqual(['1 × Espresso'])
    await screenshot(t.a, 'refused-item-toast')

    for (const route of held) await route.continue()
    await t.a.unroute(`**/orders/${order.id}`)
    await t.a.getByTestId('items-locked').waitFor()
    expect((await t.saved(order.id)).items.map((item) => item.name)).toEqual(['Espresso'])
  })

  it('says "offline" when a tap cannot reach the server, and takes the item back off', async () => {
    const order = await t.newOrder('offline')
    await openApp(t.a, t.server.baseUrl, `#/orders/${order.id}`)
    await t.contexts[0]?.setOffline(true)
    try {
      await t.a.getByRole('button', { name: 'Add Espresso' }).tap()
      const toast = t.a.getByRole('alert').filter({ hasText: 'You are offline' })
      await toast.waitFor()
      expect(await toast.textContent()).toContain('could not add Espresso')
      expect(await toast.textContent()).not.toContain('Failed to fetch')
      await expect.poll(() => ticketLines(t.a)).toEqual([])
    } finally {
      await t.contexts[0]?.setOffline(false)
    }
    await waitConnected(t.a)
    expect((await t.saved(order.id)).items).toEqual([])
  })
})
