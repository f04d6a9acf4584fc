import { describe, expect, it } from 'vitest'
import { openApp, shouldSkipBrowserTests } from './support/browser.js'
import { openPanel } from './support/devtools-panel.js'
import { useTwoTablets } from './support/two-tablets.js'

/**
 * The demo's developer panel is @pattern-stack/sync-patterns-devtools: what each tablet received,
 * what each broadcast invalidated and how long the refetch took, or why it was skipped.
 */
describe.skipIf(shouldSkipBrowserTests())('devtools panel, tapped', () => {
  const t = useTwoTablets()

  it("shows on B the broadcast of A's tap, the query it invalidated and the refetch's duration; on A the same broadcast as an echo it skipped", async () => {
    const order = await t.newOrder('devtools')
    await openApp(t.a, t.server.baseUrl, `#/orders/${order.id}`)
    await openApp(t.b, t.server.baseUrl, `#/orders/${order.id}`)
    const panels = { a: await openPanel(t.a), b: await openPanel(t.b) }
    for (const panel of Object.values(panels)) {
      expect(await panel.getByTestId('sync-devtools-state').textContent()).toBe('connected')
      // The channels the screens subscribe to, named by nobody but the generated hooks.
      expect(await panel.getByTestId('sync-devtools-channels').textContent()).toBe('channels: order ')
    }

    await t.a.getByRole('button', { name: 'Add Espresso' }).tap()

    const onB = panels.b.getByTestId('sync-devtools-signal').first()
    await onB.getByText('order.item_added').waitFor()
    expect(await onB.textContent()).toContain(`entity ${order.id}`)
    const detail = onB
      .getByRole('list', { name: 'Invalidated queries' })
      .getByRole('listitem')
      .filter({ hasText: `["orders","${order.id}"]` })
    await detail.getByText(/refetched in \d+(\.\d)? ms/).waitFor()
    expect(await onB.textContent()).not.toContain('skipped')

    const onA = panels.a.getByTestId('sync-devtools-signal').first()
    await onA.getByText('order.item_added').waitFor()
    await onA.getByText("skipped (echo: this tab's own change, which its mutation refetches)").waitFor()
    expect(await onA.getByRole('list', { name: 'Invalidated queries' }).count()).toBe(0)
    // A's own change went through its optimistic registry and has settled.
    await panels.a
      .getByTestId('sync-devtools-finished')
      .getByText(/add items of orders .* settled/)
      .waitFor()
    expect(await panels.a.getByTestId('sync-devtools-counts').textContent()).toMatch(/1 broadcast, 1 skipped/)
  })

  it('follows channels as screens come and go, and sits below the screen instead of over it', async () => {
    await openApp(t.a, t.server.baseUrl, '#/kitchen')
    await t.a.getByRole('link', { name: 'Orders', exact: true }).tap()
    await t.a.getByRole('button', { name: 'New order' }).waitFor()
    const panel = await openPanel(t.a)
    expect(await panel.getByTestId('sync-devtools-channels').textContent()).toBe('channels: order ')
    const main = await t.a.locator('main').boundingBox()
    const box = await panel.boundingBox()
    if (!main || !box) throw new Error('main or the devtools panel is not on screen')
    expect(box.y).toBeGreaterThanOrEqual(main.y + main.height)
  })
})
