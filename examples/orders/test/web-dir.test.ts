import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, startServer, type TestServer } from './harness.js'

describe('buildApp({ webDir })', () => {
  let server: TestServer
  const dir = mkdtempSync(join(tmpdir(), 'orders-web-'))

  beforeAll(async () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>web app</title>')
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)')
    server = await startServer('pglite', { webDir: dir })
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('serves the web app at / and its assets, while the API routes keep working', async () => {
    expect((await api(server.baseUrl, 'GET', '/')).text).toContain('<title>web app</title>')
    expect((await api(server.baseUrl, 'GET', '/assets/app.js')).text).toBe('console.log(1)')
    expect((await api(server.baseUrl, 'GET', '/orders')).body).toEqual([])
    const missing = await api(server.baseUrl, 'GET', '/nothing-here')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  })
})
