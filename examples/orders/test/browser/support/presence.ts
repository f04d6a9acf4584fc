import type { Locator, Page } from 'playwright-core'

/** Names a tablet the way its user does: a tap on "This tablet", then typing. */
export async function nameTablet(page: Page, name: string): Promise<void> {
  const field = page.getByLabel('This tablet')
  await field.tap()
  await field.fill(name)
}

/** The edit screen's line saying who else has the order open. */
export function presenceNotice(page: Page): Locator {
  return page.getByTestId('presence')
}
