import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { openApp, screenshot, shouldSkipBrowserTests } from './support/browser.js'
import { http } from './support/http.js'
import { useTwoTablets } from './support/two-tablets.js'

const notes = (page: Page) => page.getByLabel('Notes')

/** Editing an order's notes on two tablets: Save, and the 409 dialog with Reload and Overwrite. */
describe.skipIf(shouldSkipBrowserTests())('order edit, tapped', () => {
  const t = useTwoTablets()

  it('saves notes with a tap, says so by short id, and the kitchen on B shows them', async () => {
    const order = await t.newOrder('Table 2', [{ name: 'Espresso' }])
    const short = order.id.slice(0, 6).toUpperCase()
    await http(t.server.baseUrl, 'POST', `/orders/${order.id}/transition`, { to: 'submitted' })
    await openApp(t.a, t.server.baseUrl, '#/orders')
    await openApp(t.b, t.server.baseUrl, '#/kitchen')
    const card = t.b.getByTestId('kitchen-submitted').locator(`[data-order-id="${order.id}"]`)
    await card.getByText('Table 2').waitFor()

    await t.a.getByRole('link', { name: `Edit order ${short}` }).tap()
    await notes(t.a).fill('Table 2, no sugar')
    await t.a.getByRole('button', { name: 'Save' }).tap()
    await t.a.waitForURL(/#\/orders$/)
    const toast = t.a.getByRole('alert').filter({ hasText: `Order #${short} saved` })
    await toast.waitFor()
    await card.getByText('Table 2, no sugar').waitFor()
    expect((await t.saved(order.id)).notes).toBe('Table 2, no sugar')
  })

  it('leaves without saving on a tap of Cancel', async () => {
    const order = await t.newOrder('unchanged')
    await openApp(t.a, t.server.baseUrl, `#/orders/${order.id}/edit`)
    await notes(t.a).fill('never saved')
    await t.a.getByRole('link', { name: 'Cancel' }).tap()
    await t.a.getByTestId('order-status').waitFor()
    expect((await t.saved(order.id)).notes).toBe('unchanged')
  })

  it('shows the conflict dialog when two tablets save the same order, and resolves it either way', async () => {
    const order = await t.newOrder('original')
    await openApp(t.a, t.server.baseUrl, `#/orders/${order.id}/edit`)
    await openApp(t.b, t.server.baseUrl, `#/orders/${order.id}/edit`)

    await notes(t.a).fill('from tablet A')
    await notes(t.b).fill('from tablet B')
    await t.a.getByRole('button', { name: 'Save' }).tap()
    await t.a.waitForURL(/#\/orders$/)
    expect((await t.saved(order.id)).notes).toBe('from tablet A')

    // B edited version 1 too: the server refuses it, B is asked what to do and keeps its draft.
    await t.b.getByRole('button', { name: 'Save' }).tap()
    const conflict = t.b.getByRole('alertdialog', { name: 'Order was modified' })
    await conflict.waitFor()
    expect(await notes(t.b).inputValue()).toBe('from tablet B')
    await screenshot(t.b, 'conflict')

    // Reload: B takes A's version.
    await conflict.getByRole('button', { name: 'Reload' }).tap()
    await conflict.waitFor({ state: 'detached' })
    expect(await notes(t.b).inputValue()).toBe('from tablet A')

    // A conflict again, now resolved with Overwrite: B's draft wins on the server.
    await http(t.server.baseUrl, 'PATCH', `/orders/${order.id}`, { version: 2, notes: 'from a script' })
    await notes(t.b).fill('from tablet B again')
    await t.b.getByRole('button', { name: 'Save' }).tap()
    await conflict.waitFor()
    await conflict.getByRole('button', { name: 'Overwrite' }).tap()
    await t.b.waitForURL(/#\/orders$/)
    const saved = await t.saved(order.id)
    expect(saved.notes).toBe('from tablet B again')
    expect(saved.version).toBe(4)
  })
})
