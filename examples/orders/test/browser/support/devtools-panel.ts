import type { Page } from 'playwright-core'

/**
 * Opens the demo's devtools panel (below the screen, collapsed until tapped) and waits for its log.
 * A navigation that changes only the hash keeps the page, and the panel open.
 */
export async function openPanel(page: Page) {
  const panel = page.getByTestId('sync-devtools')
  if ((await panel.getAttribute('open')) === null) await panel.locator('summary').tap()
  await panel
    .getByRole('list', { name: 'Broadcasts received' })
    .or(panel.getByText('No broadcasts yet.'))
    .waitFor()
  return panel
}
