import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

/** Debian's chromium: `.ci/run` installs it; no browser download is needed. */
export const CHROMIUM_PATH = '/usr/bin/chromium'
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../test-results/', import.meta.url))

/**
 * Browser tests run whenever chromium is installed, and always in CI (where a missing browser is a
 * failure, not a skip). Elsewhere a missing chromium skips them with a loud notice.
 */
export function shouldSkipBrowserTests(): boolean {
  if (existsSync(CHROMIUM_PATH) || process.env.CI === 'true') return false
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPING the Orders browser tests: ${CHROMIUM_PATH} is missing.\n` +
      `!! Install it with: apt-get update && apt-get install -y chromium\n${'!'.repeat(78)}\n`,
  )
  return true
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

/** A landscape tablet, the size the app is designed for. */
export const TABLET = { width: 1024, height: 768 }
/** A phone in portrait. */
export const PHONE = { width: 390, height: 844 }

/** What each context's pages complained about: uncaught errors and console errors. */
const problemsByContext = new WeakMap<BrowserContext, string[]>()

/**
 * A touch browser context, a landscape tablet unless `viewport` says otherwise. Its page errors and
 * console errors are collected (see `browserProblems`) and echoed to the test output, so a failure
 * shows what the app complained about.
 */
export async function newTablet(
  browser: Browser,
  name: string,
  viewport: { width: number; height: number } = TABLET,
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, hasTouch: true })
  // Waits give up well before the test's own timeout, naming the locator they waited for.
  context.setDefaultTimeout(10_000)
  const problems: string[] = []
  problemsByContext.set(context, problems)
  const report = (problem: string) => {
    problems.push(problem)
    console.error(`[${name}] ${problem}`)
  }
  context.on('weberror', (error) => report(`page error: ${error.error().message}`))
  context.on('console', (message) => {
    // The browser's own network logs (a refused request, a socket to a stopped server) are expected:
    // the app says what went wrong in its own words.
    const text = message.text()
    if (message.type() !== 'error' || /^Failed to load resource|^WebSocket connection to/.test(text)) return
    report(`console: ${text}`)
  })
  return context
}

/**
 * The page errors and console errors of `context` since it opened or the last call, then forgets
 * them: `expect(browserProblems(context)).toEqual([])` after each test.
 */
export function browserProblems(context: BrowserContext): string[] {
  const problems = problemsByContext.get(context)
  if (!problems) throw new Error('browserProblems: the context was not made by newTablet')
  return problems.splice(0)
}

/** Saves a screenshot as a test artifact in examples/orders/test-results/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true })
}

/** Opens `hash` on the app and waits until the broadcast connection is up (the banner is gone). */
export async function openApp(page: Page, baseUrl: string, hash: string): Promise<void> {
  await page.goto(`${baseUrl}/${hash}`)
  await waitConnected(page)
}

export async function waitConnected(page: Page): Promise<void> {
  await page.locator('main').waitFor()
  await page.getByTestId('connection-banner').waitFor({ state: 'detached' })
}
