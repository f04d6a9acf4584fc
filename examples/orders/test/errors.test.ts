import { randomBytes, randomUUID } from 'node:crypto'
import { connect } from 'node:net'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TcpProxy } from '../../../packages/backend-patterns/test/scale/tcp-proxy.js'
import { openDatabase } from '../server/db/client.js'
import { DatabaseHealth } from '../server/db/health.js'
import { databaseKinds, POSTGRES_URL } from './databases.js'
import { api, startServer, type TestServer } from './harness.js'

/**
 * Issue 17 item 6: every error the API shapes is application/problem+json, including the ones
 * Fastify and Node's HTTP parser answer before any route runs; a database outage is 503 with
 * Retry-After, logged once per outage.
 */

/** Sends raw bytes and returns the raw HTTP response. */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
    let data = ''
    socket.on('data', (chunk) => {
      data += chunk
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(data))
  })
}

function expectProblem(raw: string, status: number) {
  const [head = '', body = ''] = raw.split('\r\n\r\n')
  expect(head).toMatch(new RegExp(`^HTTP/1.1 ${status} `))
  expect(head.toLowerCase()).toContain('content-type: application/problem+json')
  expect(JSON.parse(body)).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) })
}

describe('refusals before any route runs are problem+json', () => {
  let server: TestServer
  let port: number
  beforeAll(async () => {
    server = await startServer('pglite')
    port = Number(new URL(server.baseUrl).port)
  })
  afterAll(() => server?.close())

  it('414 for a path parameter longer than maxParamLength', async () => {
    const response = await api(server.baseUrl, 'GET', `/orders/${'x'.repeat(500)}`)
    expect(response.status).toBe(414)
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(response.body).toMatchObject({ status: 414, type: '/problems/uri-too-long' })
  })

  it('400 for a URL that does not decode', async () => {
    const response = await api(server.baseUrl, 'GET', '/orders/%zz')
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    expect(response.body).toMatchObject({ status: 400, type: '/problems/bad-url' })
  })

  it('431 for headers (or a URL) larger than the server accepts', async () => {
    expectProblem(
      await rawRequest(port, `GET /orders HTTP/1.1\r\nHost: x\r\nX-Big: ${'z'.repeat(20_000)}\r\n\r\n`),
      431,
    )
    expectProblem(await rawRequest(port, `GET /${'y'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`), 431)
  })

  it('400 for bytes that are not HTTP', async () => {
    expectProblem(await rawRequest(port, 'GARBAGE\r\n\r\n'), 400)
  })
})

const kinds = await databaseKinds()

describe.runIf(kinds.includes('postgres'))('a database outage (Postgres behind a relay that is cut)', () => {
  const schema = `outage_${randomBytes(5).toString('hex')}`
  const lines: string[] = []
  let proxy: TcpProxy
  let server: TestServer

  beforeAll(async () => {
    const target = new URL(POSTGRES_URL)
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432))
    const port = await proxy.listen()
    const url = new URL(POSTGRES_URL)
    url.host = `127.0.0.1:${port}`
    const database = await openDatabase({
      databaseUrl: url.toString(),
      schema,
      health: new DatabaseHealth((line) => lines.push(line)),
    })
    await database.migrate()
    server = await startServer('postgres', { database })
  })
  afterAll(async () => {
    await server?.close()
    await server?.database.close()
    await proxy?.cut()
    const admin = new pg.Client({ connectionString: POSTGRES_URL })
    await admin.connect()
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await admin.end()
  })

  it('answers 503 with Retry-After to every request while it lasts, logs one line, and one when it is back', async () => {
    expect((await api(server.baseUrl, 'GET', '/orders')).status).toBe(200)
    await proxy.cut()
    const requests: Array<[string, string, unknown]> = [
      ['GET', '/orders', undefined],
      ['POST', '/orders', { id: randomUUID() }],
      ['GET', `/orders/${randomUUID()}`, undefined],
      ['POST', '/contacts', { name: 'Ada' }],
      ['GET', '/menu', undefined],
    ]
    for (const [method, path, body] of [...requests, ...requests]) {
      const response = await api(server.baseUrl, method, path, body === undefined ? {} : { body })
      expect(response.status, `${method} ${path}`).toBe(503)
      expect(response.headers.get('retry-after')).toBe('5')
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
      expect(response.body).toMatchObject({ status: 503, type: '/problems/database-unavailable' })
    }
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^database unavailable \(.+\): answering 503 with Retry-After: 5/)

    await proxy.restore()
    await expect
      .poll(async () => (await api(server.baseUrl, 'GET', '/orders')).status, { timeout: 15_000 })
      .toBe(200)
    expect(lines).toEqual([lines[0], 'database available again'])
  })

  it('a connection cut between two statements of a transaction fails that transaction, not the process', async () => {
    // A checked-out pg client has no pool 'error' listener: an outage while it sits between two
    // statements (a request's transaction, the outbox relay's) raised an uncaught error.
    const uncaught: unknown[] = []
    const onUncaught = (error: unknown) => uncaught.push(error)
    process.on('uncaughtException', onUncaught)
    try {
      const transaction = server.database.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`)
        await proxy.cut()
        await new Promise((resolve) => setTimeout(resolve, 300))
        await tx.execute(sql`select 1`)
      })
      await expect(transaction).rejects.toThrow()
      expect(uncaught).toEqual([])
    } finally {
      process.off('uncaughtException', onUncaught)
      await proxy.restore()
    }
    await expect
      .poll(async () => (await api(server.baseUrl, 'GET', '/orders')).status, { timeout: 15_000 })
      .toBe(200)
  })
})
