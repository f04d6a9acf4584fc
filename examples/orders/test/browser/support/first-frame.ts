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

/**
 * Counts the animation frames between a real click and the first change of `selector`'s text: the
 * number of requestAnimationFrame callbacks that ran after the click and before the DOM changed.
 * A frame runs its rAF callbacks, then paints; so 0 means the change is in the first frame painted
 * after the tap, 1 means one frame late, and so on. Frames are counted, never milliseconds.
 */
export async function framesFromClickUntilChanged(
  page: Page,
  click: () => Promise<void>,
  selector: string,
): Promise<number> {
  await page.evaluate((selector) => {
    const probe: { frames: number | null; framesWhenChanged: number | null } = {
      frames: null,
      framesWhenChanged: null,
    }
    ;(window as unknown as { __frameProbe: typeof probe }).__frameProbe = probe
    const text = () => document.querySelector(selector)?.textContent ?? null
    let before: string | null = null
    // MutationObserver callbacks run as microtasks right after the change, before any later frame.
    const observer = new MutationObserver(() => {
      if (probe.frames === null || text() === before) return
      probe.framesWhenChanged = probe.frames
      observer.disconnect()
    })
    observer.observe(document.body, { subtree: true, childList: true, characterData: true })
    const tick = () => {
      if (probe.framesWhenChanged !== null || probe.frames === null) return
      probe.frames += 1
      requestAnimationFrame(tick)
    }
    // Capture phase on window: before any handler of the app sees the click.
    window.addEventListener(
      'click',
      () => {
        before = text()
        probe.frames = 0
        requestAnimationFrame(tick)
      },
      { capture: true, once: true },
    )
  }, selector)
  await click()
  const handle = await page.waitForFunction(
    () => {
      const { framesWhenChanged } = (
        window as unknown as { __frameProbe: { framesWhenChanged: number | null } }
      ).__frameProbe
      return framesWhenChanged === null ? null : { framesWhenChanged }
    },
    undefined,
    { polling: 'raf' },
  )
  return ((await handle.jsonValue()) as { framesWhenChanged: number }).framesWhenChanged
}
