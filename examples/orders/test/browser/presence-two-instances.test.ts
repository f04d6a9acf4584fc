import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ensureWebBuilt } from '../../web/build.js'
import { POSTGRES_URL } from '../databases.js'
import { postgresAndRedisUp, REDIS_URL } from '../support/postgres-and-redis.js'
import { type OrdersMainProcess, startOrdersMain } from '../support/start-main.js'
import {
  browserProblems,
  launchChromium,
  newTablet,
  openApp,
  shouldSkipBrowserTests,
} from './support/browser.js'
import { http, type OrderJson } from './support/http.js'
import { nameTablet, presenceNotice } from './support/presence.js'

/**
 * Issue 18 item 4 across instances: tablet A on one `npm start` instance, tablet B on another, the
 * two sharing Postgres and a fan-out engine (Redis, then Postgres LISTEN/NOTIFY). B sees A editing,
 * and sees it gone when A's page closes, and when A's instance dies without a word (its members
 * expire: within four presence refresh intervals, 20 s by default).
 */
const servicesUp = await postgresAndRedisUp('the two-instance presence browser test is')
const skip = shouldSkipBrowserTests() || !servicesUp

for (const engine of ['redis', 'postgres'] as const) {
  describe.skipIf(skip)(`presence across two npm start instances (${engine} engine), two tablets`, () => {
    const schema = `presence_${engine}_${randomBytes(4).toString('hex')}`
    const instances: OrdersMainProcess[] = []
    let browser: Browser | undefined
    const contexts: BrowserContext[] = []

    async function start(): Promise<OrdersMainProcess> {
      const instance = await startOrdersMain(
        {
          DATABASE_URL: POSTGRES_URL,
          DATABASE_SCHEMA: schema,
          BROADCAST_ENGINE: engine,
          ...(engine === 'redis' ? { REDIS_URL } : {}),
        },
        60_000,
      )
      instances.push(instance)
      return instance
    }

    beforeAll(async () => {
      await ensureWebBuilt({ quiet: true })
      browser = await launchChromium()
      contexts.push(await newTablet(browser, 'tablet A'), await newTablet(browser, 'tablet B'))
    }, 120_000)

    afterEach(() => {
      for (const [index, context] of contexts.entries()) {
        expect(browserProblems(context), `tablet ${'AB'[index]}: page and console errors`).toEqual([])
      }
    })

    afterAll(async () => {
      for (const context of contexts) await context.close()
      await browser?.close()
      await Promise.all(instances.map((instance) => instance.stop()))
      const admin = new pg.Client({ connectionString: POSTGRES_URL })
      await admin.connect()
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin.end()
    })

    async function tablet(index: 0 | 1, baseUrl: string, name: string): Promise<Page> {
      const page = await (contexts[index] as BrowserContext).newPage()
      await openApp(page, baseUrl, '#/orders')
      await nameTablet(page, name)
      return page
    }

    it('B on instance 2 sees A on instance 1 editing; gone when A closes, and when instance 1 dies', async () => {
      const one = await start() // migrates the schema first, so the second finds it ready
      const two = await start()
      const order = await http<OrderJson>(one.url, 'POST', '/orders', { notes: 'original' })
      const edit = `#/orders/${order.id}/edit`

      const a = await tablet(0, one.url, 'Tablet A')
      const b = await tablet(1, two.url, 'Tablet B')
      await openApp(a, one.url, edit)
      await a.getByLabel('Notes').tap()
      await a.getByLabel('Notes').fill('from tablet A')
      await openApp(b, two.url, edit)
      await presenceNotice(b).filter({ hasText: 'Tablet A is editing this order' }).waitFor()
      await presenceNotice(a).filter({ hasText: 'Also open on Tablet B' }).waitFor()

      await a.close()
      await presenceNotice(b).waitFor({ state: 'detached' })

      // A again, editing; then its instance dies without closing anything.
      const again = await tablet(0, one.url, 'Tablet A')
      await openApp(again, one.url, edit)
      await again.getByLabel('Notes').tap()
      await again.getByLabel('Notes').fill('from tablet A again')
      await presenceNotice(b).filter({ hasText: 'Tablet A is editing this order' }).waitFor()
      const killedAt = Date.now()
      await one.kill()
      await presenceNotice(b).waitFor({ state: 'detached', timeout: 40_000 })
      console.info(
        `[${engine}] tablet A's presence expired ${Date.now() - killedAt} ms after its instance died`,
      )
      await again.close()
    }, 180_000)
  })
}
