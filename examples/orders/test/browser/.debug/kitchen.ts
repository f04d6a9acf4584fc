import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureWebBuilt } from '../../../web/build.js'
import { launchChromium, newTablet, openApp } from '../support/browser.js'
import { http } from '../support/http.js'
import { startOrdersServer } from '../support/ordersServer.js'

await ensureWebBuilt({ quiet: true })
const server = await startOrdersServer({ dataDir: mkdtempSync(join(tmpdir(), 'dbg-')) })
const browser = await launchChromium()
const ctx = await newTablet(browser, 'A')
const page = await ctx.newPage()
page.on('websocket', (ws) => {
  ws.on('framereceived', (f) => console.log('WS<', f.payload))
  ws.on('framesent', (f) => console.log('WS>', f.payload))
})
page.on('request', (r) => console.log('REQ', r.method(), r.url()))
await openApp(page, server.baseUrl, '#/kitchen')
const order: any = await http(server.baseUrl, 'POST', '/orders', { notes: 'x' })
await http(server.baseUrl, 'POST', `/orders/${order.id}/transition`, { to: 'submitted' })
await new Promise((r) => setTimeout(r, 1500))
console.log(await page.getByTestId('kitchen-submitted').textContent())
await browser.close()
await server.close()
process.exit(0)
