import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { openApp, PHONE, shouldSkipBrowserTests } from './support/browser.js'
import { http } from './support/http.js'
import { useTwoTablets } from './support/two-tablets.js'

/** How wide the page is against the screen, and where the devtools panel sits against the screen's content. */
const layoutOf = (page: Page) =>
  page.evaluate(() => {
    const main = document.querySelector('main')?.getBoundingClientRect()
    const panel = document.querySelector('[data-testid="sync-devtools"]')?.getBoundingClientRect()
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      panelBelowMain: main !== undefined && panel !== undefined && panel.top >= main.bottom,
    }
  })

async function expectFitsThePhone(page: Page, screen: string) {
  const layout = await layoutOf(page)
  expect(layout.scrollWidth, `${screen}: page wider than the screen`).toBeLessThanOrEqual(layout.innerWidth)
  expect(layout.panelBelowMain, `${screen}: the devtools panel covers the screen`).toBe(true)
}

/** Every screen on a 390×844 phone: nothing wider than the screen, nothing covered by the devtools panel. */
describe.skipIf(shouldSkipBrowserTests())('the app on a phone', () => {
  const t = useTwoTablets(PHONE)

  it('fits every screen, dialog, toast and the open devtools panel into the width of the phone', async () => {
    const order = await t.newOrder('Table 12, by the window, two high chairs please', [
      { name: 'Fresh orange juice', quantity: 3 },
      { name: 'Club sandwich' },
    ])
    const cooking = await t.newOrder('Take-away', [{ name: 'Shakshuka' }])
    await http(t.server.baseUrl, 'POST', `/orders/${cooking.id}/transition`, { to: 'submitted' })

    await openApp(t.a, t.server.baseUrl, '#/orders')
    await t.a.getByTestId('order-row').first().waitFor()
    await expectFitsThePhone(t.a, 'orders list')

    await openApp(t.a, t.server.baseUrl, `#/orders/${order.id}`)
    await t.a.getByRole('button', { name: 'Add Club sandwich' }).tap()
    await t.a.getByTestId('saving-indicator').getByText('All changes saved').waitFor()
    await expectFitsThePhone(t.a, 'order entry')

    // The devtools panel, open with a broadcast and its long query keys in it.
    await openApp(t.b, t.server.baseUrl, `#/orders/${order.id}`)
    await t.b.getByTestId('sync-devtools').locator('summary').tap()
    await t.a.getByRole('button', { name: 'Add Espresso' }).tap()
    await t.b
      .getByRole('list', { name: 'Invalidated queries' })
      .first()
      .getByText(/refetched in/)
      .first()
      .waitFor()
    await expectFitsThePhone(t.b, 'order entry with the devtools panel open')

    await openApp(t.a, t.server.baseUrl, '#/kitchen')
    await t.a.getByTestId('kitchen-card').first().waitFor()
    await expectFitsThePhone(t.a, 'kitchen')

    await openApp(t.a, t.server.baseUrl, `#/orders/${order.id}/edit`)
    await expectFitsThePhone(t.a, 'edit')
    await http(t.server.baseUrl, 'PATCH', `/orders/${order.id}`, {
      version: (await t.saved(order.id)).version,
      notes: 'changed elsewhere',
    })
    await t.a.getByRole('button', { name: 'Save' }).tap()
    await t.a.getByRole('alertdialog', { name: 'Order was modified' }).waitFor()
    await expectFitsThePhone(t.a, 'conflict dialog')

    // A toast: a refused transition on the kitchen display.
    await openApp(t.a, t.server.baseUrl, '#/kitchen')
    await t.a.route('**/transition', (route) =>
      route.fulfill({
        status: 409,
        contentType: 'application/problem+json',
        body: JSON.stringify({
          status: 409,
          title: 'Conflict',
          detail: `order ${cooking.id} moved on elsewhere`,
        }),
      }),
    )
    await t.a
      .getByRole('button', { name: /Start preparing/ })
      .first()
      .tap()
    await t.a.getByRole('alert').filter({ hasText: 'Could not move order' }).waitFor()
    await expectFitsThePhone(t.a, 'toast')
    await t.a.unrouteAll()
  })
})
