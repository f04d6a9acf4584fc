/**
 * Makes docs/orders-app.png, the README's screenshot: two tablets side by side on a fresh server,
 * after tablet A added three items and sent the order to the kitchen.
 *
 *   npx tsx --conditions=source examples/orders/test/browser/readme-screenshot.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureWebBuilt } from '../../web/build.js'
import { launchChromium } from './support/browser.js'
import { http, type MenuItemJson, type OrderJson } from './support/http.js'
import { startOrdersServer } from './support/orders-server.js'

const OUTPUT = fileURLToPath(new URL('../../../../docs/orders-app.png', import.meta.url))
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

await ensureWebBuilt({ quiet: true })
const dataDir = mkdtempSync(join(tmpdir(), 'orders-screenshot-'))
const server = await startOrdersServer({ dataDir })
const browser = await launchChromium()
try {
  const order = await http<OrderJson>(server.baseUrl, 'POST', '/orders', { notes: 'Table 7' })
  const menu = await http<MenuItemJson[]>(server.baseUrl, 'GET', '/menu')
  const page = await browser.newPage({ viewport: { width: 2080, height: 800 } })
  const tablet = (label: string, hash: string) =>
    `<div><div style="margin:0 0 8px">${label}</div><iframe src="${server.baseUrl}/${hash}" width="1008" height="720" style="border:0;border-radius:12px;background:white"></iframe></div>`
  await page.setContent(
    `<body style="margin:0;background:#d9d7d2;font:600 18px system-ui;display:flex;gap:32px;padding:16px">${tablet(
      'Tablet A · order entry',
      `#/orders/${order.id}`,
    )}${tablet('Tablet B · kitchen display', '#/kitchen')}</body>`,
  )
  await pause(2000)
  const a = page.frames().find((frame) => frame.url().includes(order.id))
  if (!a) throw new Error('tablet A did not load')
  for (const index of [5, 2, 2]) {
    await a.getByRole('button', { name: `Add ${(menu[index] as MenuItemJson).name}` }).click()
    await pause(300)
  }
  await a.getByRole('button', { name: 'Send to kitchen' }).click()
  await pause(1000)
  // Tablet B's devtools panel: the broadcasts it got from A, the queries they refetched and how long it took.
  const b = page.frames().find((frame) => frame.url().includes('#/kitchen'))
  await b?.locator('summary').click()
  await pause(300)
  await page.screenshot({ path: OUTPUT })
  console.log(`wrote ${OUTPUT}`)
} finally {
  await browser.close()
  await server.close()
  rmSync(dataDir, { recursive: true, force: true })
}
