import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, BroadcastWatcher, startServer, type TestServer } from './harness.js'

/** The opt-in server-side fault hook for client tests (PGlite is enough: it never touches the DB). */
describe('X-Test-Fault hook', () => {
  let off: TestServer
  let on: TestServer
  let watcher: BroadcastWatcher

  beforeAll(async () => {
    off = await startServer('pglite')
    on = await startServer('pglite', { faults: true })
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
