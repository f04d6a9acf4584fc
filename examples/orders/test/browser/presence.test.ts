import { describe, expect, it } from 'vitest'
import { openApp, screenshot, shouldSkipBrowserTests } from './support/browser.js'
import { nameTablet, presenceNotice as presence } from './support/presence.js'
import { useTwoTablets } from './support/two-tablets.js'

/** Issue 18 item 4: who else has an order open, and who is editing it, before anyone runs into a 409. */
describe.skipIf(shouldSkipBrowserTests())('presence on the order edit screen, tapped', () => {
  const t = useTwoTablets()

  it('B sees "Tablet A is editing this order" while A edits; it goes when A leaves or closes the page', async () => {
    const order = await t.newOrder('original')
    const edit = `#/orders/${order.id}/edit`
    await openApp(t.a, t.server.baseUrl, '#/orders')
    await nameTablet(t.a, 'Tablet A')
    await openApp(t.b, t.server.baseUrl, '#/orders')
    await nameTablet(t.b, 'Tablet B')

    await openApp(t.a, t.server.baseUrl, edit)
    await openApp(t.b, t.server.baseUrl, edit)
    await presence(t.b).filter({ hasText: 'Also open on Tablet A' }).waitFor()
    await presence(t.a).filter({ hasText: 'Also open on Tablet B' }).waitFor()

    await t.a.getByLabel('Notes').tap()
    await t.a.getByLabel('Notes').fill('from tablet A')
    await presence(t.b).filter({ hasText: 'Tablet A is editing this order' }).waitFor()
    await screenshot(t.b, 'presence-editing')
    // A sees B only viewing: B has not changed anything.
    expect(await presence(t.a).textContent()).toBe('Also open on Tablet B')

    // A leaves without saving: B is alone again.
    await t.a.getByRole('link', { name: 'Cancel' }).tap()
    await presence(t.b).waitFor({ state: 'detached' })

    // A comes back and edits, then its page closes (the tablet is put away): gone again.
    await openApp(t.a, t.server.baseUrl, edit)
    await t.a.getByLabel('Notes').tap()
    await t.a.getByLabel('Notes').fill('again')
    await presence(t.b).filter({ hasText: 'Tablet A is editing this order' }).waitFor()
    await t.a.close()
    await presence(t.b).waitFor({ state: 'detached' })
    expect((await t.saved(order.id)).notes).toBe('original')
  })
})
