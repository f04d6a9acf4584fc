import { describe, expect, it } from 'vitest'
import { openApp, shouldSkipBrowserTests } from './support/browser.js'
import { useTwoTablets } from './support/two-tablets.js'

/** The orders list on two tablets: New order, tapped, and the counts it shows. */
describe.skipIf(shouldSkipBrowserTests())('orders list, tapped', () => {
  const t = useTwoTablets()

  it('opens order entry for a new draft order on a tap of New order, and B lists it after the broadcast', async () => {
    await openApp(t.a, t.server.baseUrl, '#/orders')
    await openApp(t.b, t.server.baseUrl, '#/orders')
    const rowsBefore = await t.b.getByTestId('order-row').count()

    await t.a.getByRole('button', { name: 'New order' }).tap()
    await t.a.waitForURL(/#\/orders\/[0-9a-f-]{36}$/)
    const orderId = decodeURIComponent(new URL(t.a.url()).hash.split('/')[2] ?? '')
    await t.a.getByTestId('order-status').getByText('Draft').waitFor()
    await t.a.getByText('Tap a menu item to add it.').waitFor()
    expect((await t.saved(orderId)).status).toBe('draft')

    const row = t.b.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`)
    await row.waitFor()
    expect(await t.b.getByTestId('order-row').count()).toBe(rowsBefore + 1)
    expect(await row.textContent()).toContain('0 items')

    // The new order's first item, tapped on A, is counted in B's list.
    await t.a.getByRole('button', { name: 'Add Espresso' }).tap()
    await row.getByText('1 item', { exact: true }).waitFor()
  })

  it('counts items by quantity, in the singular for one', async () => {
    const one = await t.newOrder('one', [{ name: 'Croissant' }])
    const three = await t.newOrder('three', [{ name: 'Croissant', quantity: 2 }, { name: 'Espresso' }])
    await openApp(t.a, t.server.baseUrl, '#/orders')
    const row = (id: string) => t.a.locator(`[data-testid="order-row"][data-order-id="${id}"]`)
    await row(one.id).getByText('1 item', { exact: true }).waitFor()
    await row(three.id).getByText('3 items', { exact: true }).waitFor()
    expect(await t.a.locator('main').textContent()).not.toContain('1 items')
  })

  it('opens order entry and edit from a row with a tap', async () => {
    const order = await t.newOrder('row links')
    const short = order.id.slice(0, 6).toUpperCase()
    await openApp(t.a, t.server.baseUrl, '#/orders')
    await t.a.getByRole('link', { name: `Add items to order ${short}` }).tap()
    await t.a.getByRole('heading', { name: new RegExp(`Order #${short}`) }).waitFor()
    await t.a.getByRole('link', { name: 'Orders', exact: true }).tap()
    await t.a.getByRole('link', { name: `Edit order ${short}` }).tap()
    await t.a.getByRole('heading', { name: new RegExp(`Edit order #${short}`) }).waitFor()
  })
})
