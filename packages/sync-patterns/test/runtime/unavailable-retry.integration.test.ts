import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { QueryClient } from '@tanstack/query-core'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, apiRequest, createApiConfig, getSyncClient } from '../../src/runtime/core/index.js'

// Issue 17 item 6: a server whose database is down answers 503 with Retry-After (nothing changed);
// a generated mutation retries that by itself, with the same Idempotency-Key, and nothing else.

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

/** A real HTTP server answering `failures` times with `status` (and Retry-After: 0 when asked), then 201. */
async function flakyServer(failures: number, status: number, retryAfter: boolean) {
  const seen: (string | undefined)[] = []
  server = createServer((request, response) => {
    seen.push(request.headers['idempotency-key'] as string | undefined)
    if (seen.length <= failures) {
      response.writeHead(status, {
        'content-type': 'application/problem+json',
        ...(retryAfter ? { 'retry-after': '0' } : {}),
      })
      response.end(JSON.stringify({ title: 'Service Unavailable', status, detail: 'database unavailable' }))
      return
    }
    response.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"1"}')
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const config = createApiConfig({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
  const mutate = (retry?: number) =>
    getSyncClient(new QueryClient()).mutate({
      ...(retry === undefined ? {} : { retry }),
      request: (idempotencyKey) =>
        apiRequest(config, { method: 'POST', path: '/things', body: {}, options: { idempotencyKey } }),
    })
  return { seen, mutate }
}

describe('503 with Retry-After', () => {
  it('is retried by default, up to twice, with the same Idempotency-Key', async () => {
    const { seen, mutate } = await flakyServer(2, 503, true)
    expect(await mutate()).toEqual({ id: '1' })
    expect(seen).toHaveLength(3)
    expect(new Set(seen).size).toBe(1)
  })

  it('gives up after two retries with the 503', async () => {
    const { seen, mutate } = await flakyServer(5, 503, true)
    const error = await mutate().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).status).toBe(503)
    expect(seen).toHaveLength(3)
  })

  it('is not retried by default without Retry-After, or as another 5xx; retry: 0 turns it off', async () => {
    const plain = await flakyServer(1, 503, false)
    await expect(plain.mutate()).rejects.toBeInstanceOf(ApiError)
    expect(plain.seen).toHaveLength(1)
    server?.close()
    const other = await flakyServer(1, 500, true)
    await expect(other.mutate()).rejects.toBeInstanceOf(ApiError)
    expect(other.seen).toHaveLength(1)
    server?.close()
    const off = await flakyServer(1, 503, true)
    await expect(off.mutate(0)).rejects.toBeInstanceOf(ApiError)
    expect(off.seen).toHaveLength(1)
  })
})
