import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { ensureWebBuilt } from '../../../web/build.js'
import { browserProblems, launchChromium, newTablet, TABLET } from './browser.js'
import { http, type MenuItemJson, type OrderJson } from './http.js'
import { type RunningServer, startOrdersServer } from './orders-server.js'

/** Two tablets on one real Orders server, set up by `useTwoTablets` for the tests of a describe. */
export interface TwoTablets {
  server: RunningServer
  a: Page
  b: Page
  contexts: BrowserContext[]
  menu: MenuItemJson[]
  /** The menu item called `name`. */
  menuItem(name: string): MenuItemJson
  /** A precondition set up over HTTP, the way another till would: a draft order with these items. */
  newOrder(notes: string, items?: { name: string; quantity?: number }[]): Promise<OrderJson>
  /** The order as the database has it. */
  saved(orderId: string): Promise<OrderJson>
}

/**
 * Registers the hooks of a describe: before all, the real server (PGlite in a temp directory, the
 * built app) and two tablets (two browser contexts, so two caches and two broadcast connections);
 * after each test, the check that neither tablet had a page error or a console error.
 */
export function useTwoTablets(viewport = TABLET): TwoTablets {
  let dataDir: string | undefined
  let browser: Browser | undefined
  const tablets = {} as TwoTablets

  beforeAll(async () => {
    await ensureWebBuilt({ quiet: true })
    dataDir = mkdtempSync(join(tmpdir(), 'orders-browser-'))
    const server = await startOrdersServer({ dataDir })
    browser = await launchChromium()
    const contexts = [
      await newTablet(browser, 'tablet A', viewport),
      await newTablet(browser, 'tablet B', viewport),
    ]
    const [a, b] = [
      await (contexts[0] as BrowserContext).newPage(),
      await (contexts[1] as BrowserContext).newPage(),
    ]
    const menu = await http<MenuItemJson[]>(server.baseUrl, 'GET', '/menu')
    const menuItem = (name: string) => {
      const item = menu.find((m) => m.name === name)
      if (!item) throw new Error(`no menu item ${name}`)
      return item
    }
    Object.assign(tablets, {
      server,
      a,
      b,
      contexts,
      menu,
      menuItem,
      newOrder: (notes: string, items: { name: string; quantity?: number }[] = []) =>
        http<OrderJson>(server.baseUrl, 'POST', '/orders', {
          notes,
          items: items.map((item) => ({
            menu_item_id: menuItem(item.name).id,
            quantity: item.quantity ?? 1,
          })),
        }),
      saved: (orderId: string) => http<OrderJson>(server.baseUrl, 'GET', `/orders/${orderId}`),
    } satisfies TwoTablets)
  }, 120_000)

  afterEach(() => {
    for (const [index, context] of (tablets.contexts ?? []).entries()) {
      expect(browserProblems(context), `tablet ${'AB'[index]}: page and console errors`).toEqual([])
    }
  })

  afterAll(async () => {
    for (const context of tablets.contexts ?? []) await context.close()
    await browser?.close()
    await tablets.server?.close()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  return tablets
}
