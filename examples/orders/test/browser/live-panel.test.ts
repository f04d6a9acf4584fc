import { describe, expect, it } from 'vitest'
import { openApp, shouldSkipBrowserTests } from './support/browser.js'
import { useTwoTablets } from './support/two-tablets.js'

/** The developer's Live panel: what each tablet received, and what it refetched because of it. */
describe.skipIf(shouldSkipBrowserTests())('live panel, tapped', () => {
  const t = useTwoTablets()

  it("lists on B the broadcast of A's tap and the queries it refetched; A's own is an echo it skipped", async () => {
    const order = await t.newOrder('live')
    const short = order.id.slice(0, 6).toUpperCase()
    await openApp(t.a, t.server.baseUrl, `#/orders/${order.id}`)
    await openApp(t.b, t.server.baseUrl, `#/orders/${order.id}`)
    for (const page of [t.a, t.b]) {
      const panel = page.getByTestId('live-panel')
      await panel.locator('summary').tap()
      await panel
        .getByRole('list', { name: 'Broadcasts received' })
        .or(panel.getByText('No broadcasts yet'))
        .waitFor()
      // It listens on the channels the screens subscribe to, named by nobody but the generated hooks.
      expect(await page.getByTestId('live-channels').textContent()).toBe('Listening on: order ')
    }

    await t.a.getByRole('button', { name: 'Add Espresso' }).tap()
    const onB = t.b.getByRole('list', { name: 'Broadcasts received' }).locator('li').first()
    await onB.getByText('order.item_added').waitFor()
    expect(await onB.textContent()).toContain(`#${short}`)
    await onB.getByText(`["orders","${order.id}"]`).waitFor()
    expect(await t.b.getByTestId('live-broadcasts').textContent()).toBe('1 broadcast')

    const onA = t.a.getByRole('list', { name: 'Broadcasts received' }).locator('li').first()
    await onA.getByText('(own change: echo skipped)').waitFor()
    expect(await onA.textContent()).toContain('order.item_added')
  })

  it('keeps following channels as screens come and go, and sits below the screen instead of over it', async () => {
    await openApp(t.a, t.server.baseUrl, '#/kitchen')
    await t.a.getByRole('link', { name: 'Orders', exact: true }).tap()
    await t.a.getByRole('button', { name: 'New order' }).waitFor()
    expect(await t.a.getByTestId('live-channels').textContent()).toBe('Listening on: order ')
    const main = await t.a.locator('main').boundingBox()
    const panel = await t.a.getByTestId('live-panel').boundingBox()
    if (!main || !panel) throw new Error('main or the live panel is not on screen')
    expect(panel.y).toBeGreaterThanOrEqual(main.y + main.height)
  })
})
