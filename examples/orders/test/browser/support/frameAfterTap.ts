import type { Page } from 'playwright-core'

/**
 * Arms `page` to read the text of `[data-testid=testId]` in the first animation frame after its
 * next click (a tap ends in one): what that frame paints, before any response could arrive in
 * between. Call before the tap; the returned function gives the text once the frame ran.
 */
export async function textInFrameAfterNextClick(page: Page, testId: string): Promise<() => Promise<string>> {
  await page.evaluate((id) => {
    const slot = window as unknown as { frameAfterClick?: Promise<string> }
    slot.frameAfterClick = new Promise((resolve) => {
      const read = () => resolve(document.querySelector(`[data-testid="${id}"]`)?.textContent ?? '')
      document.addEventListener('click', () => requestAnimationFrame(read), { capture: true, once: true })
    })
  }, testId)
  return () =>
    page.evaluate(() => (window as unknown as { frameAfterClick?: Promise<string> }).frameAfterClick ?? '')
}
