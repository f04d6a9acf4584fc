import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../server/db/client.js'
import { openTestDatabase } from './databases.js'
import { api, BroadcastWatcher, startServer, type TestServer } from './harness.js'

/** buildApp's options. One PGlite database serves every app of this file (they only differ in options). */
let database: Database
beforeAll(async () => {
  database = await openTestDatabase('pglite')
})
afterAll(async () => database?.close())

/** The opt-in server-side fault hook for client tests (PGlite is enough: it never touches the DB). */
describe('X-Test-Fault hook', () => {
  let off: TestServer
  let on: TestServer
  let watcher: BroadcastWatcher

  beforeAll(async () => {
    off = await startServer('pglite', { database })
    on = await startServer('pglite', { faults: true, database })
    watcher = await BroadcastWatcher.open(on.wsUrl, ['order'])
  })
  afterAll(async () => {
    watcher?.close()
    await off?.close()
    await on?.close()
  })

  it('is ignored unless buildApp got faults: true', async () => {
    const response = await api(off.baseUrl, 'POST', '/orders', {
      body: {},
      headers: { 'X-Test-Fault': 'fail=500' },
    })
    expect(response.status).toBe(201)
  })

  it('fail=<status> answers that problem and changes nothing', async () => {
    const order = (await api(on.baseUrl, 'POST', '/orders', { body: {} })).body
    await watcher.reset(on.backend)
    const before = await on.systemEventCount()
    for (const status of [500, 503, 409]) {
      const failed = await api(on.baseUrl, 'POST', `/orders/${order.id}/items`, {
        body: { name: 'a', quantity: 1, unit_price: 1 },
        headers: { 'X-Test-Fault': `fail=${status}` },
      })
      expect(failed.status).toBe(status)
      expect(failed.body.type).toBe('/problems/injected-fault')
    }
    expect((await api(on.baseUrl, 'GET', `/orders/${order.id}`)).body).toMatchObject({
      items: [],
      version: 1,
    })
    expect(await on.systemEventCount()).toBe(before)
    expect(await watcher.settle(on.backend, 'order')).toEqual([])
  })

  it('delay=<ms> still runs the mutation; reads are never affected; a bad value is 400', async () => {
    const delayed = await api(on.baseUrl, 'POST', '/orders', {
      body: { notes: 'late' },
      headers: { 'X-Test-Fault': 'delay=50' },
    })
    expect(delayed.status).toBe(201)
    const read = await api(on.baseUrl, 'GET', `/orders/${delayed.body.id}`, {
      headers: { 'X-Test-Fault': 'fail=500' },
    })
    expect(read.status).toBe(200)
    const bad = await api(on.baseUrl, 'POST', '/orders', { body: {}, headers: { 'X-Test-Fault': 'explode' } })
    expect(bad.status).toBe(400)
    expect(bad.body.errors[0].field).toBe('x-test-fault')
  })
})

describe('buildApp({ webDir })', () => {
  let server: TestServer
  const dir = mkdtempSync(join(tmpdir(), 'orders-web-'))

  beforeAll(async () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>web app</title>')
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)')
    server = await startServer('pglite', { webDir: dir, database })
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the web app at / and its assets, while the API routes keep working', async () => {
    expect((await api(server.baseUrl, 'GET', '/')).text).toContain('<title>web app</title>')
    expect((await api(server.baseUrl, 'GET', '/assets/app.js')).text).toBe('console.log(1)')
    expect((await api(server.baseUrl, 'GET', '/orders')).status).toBe(200)
    const missing = await api(server.baseUrl, 'GET', '/nothing-here')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  })
})
