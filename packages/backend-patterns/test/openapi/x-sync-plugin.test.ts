import swagger from '@fastify/swagger'
import {
  createXSync,
  declareSync,
  NO_SYNC,
  openApiPath,
  syncOf,
} from '@pattern-stack/backend-patterns/openapi'
import { Validator } from '@seriousme/openapi-schema-validator'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'

const orderSync = declareSync({ channel: 'order', events: ['created', 'updated'] })

async function appWith(register: (app: FastifyInstance) => void) {
  const app = Fastify()
  const xSync = createXSync()
  await app.register(xSync.plugin)
  await app.register(swagger, {
    openapi: { openapi: '3.1.0', info: { title: 't', version: '1' } },
    transformObject: xSync.transformObject,
  })
  register(app)
  await app.ready()
  return { app, xSync }
}

describe('createXSync', () => {
  it('writes each route declaration as path-level x-sync in a valid 3.1 document', async () => {
    const { app, xSync } = await appWith((app) => {
      app.get('/orders', { config: { xSync: orderSync } }, async () => [])
      app.post('/orders', { config: { xSync: orderSync } }, async () => ({}))
      app.patch('/orders/:id', { config: { xSync: orderSync } }, async () => ({}))
      app.get('/menu', async () => [])
    })
    const doc = app.swagger() as unknown as { paths: Record<string, Record<string, unknown>> }
    expect(doc.paths['/orders']?.['x-sync']).toEqual({
      local_first: true,
      broadcast: { channel: 'order', events: ['created', 'updated'] },
    })
    expect(doc.paths['/orders/{id}']?.['x-sync']).toEqual(orderSync.toExtension())
    expect(doc.paths['/menu']?.['x-sync']).toBeUndefined()
    expect((await new Validator().validate(structuredClone(doc) as never)).valid).toBe(true)
    expect([...xSync.declarations().keys()]).toEqual(['/orders', '/orders/{id}'])
    await app.close()
  })

  it('gives each request its route declaration, or one that refuses every broadcast', async () => {
    const seen: unknown[] = []
    const { app } = await appWith((app) => {
      app.post('/orders', { config: { xSync: orderSync } }, async (request: FastifyRequest) => {
        seen.push(syncOf(request))
        return {}
      })
      app.post('/plain', async (request: FastifyRequest) => {
        seen.push(syncOf(request))
        return {}
      })
    })
    await app.inject({ method: 'POST', url: '/orders', payload: {} })
    await app.inject({ method: 'POST', url: '/plain', payload: {} })
    expect(seen).toEqual([orderSync, NO_SYNC])
    await app.close()
  })

  it('refuses two different declarations on one path, and a hand-made object', async () => {
    const other = declareSync({ channel: 'contact', events: ['created'] })
    await expect(
      appWith((app) => {
        app.get('/orders', { config: { xSync: orderSync } }, async () => [])
        app.post('/orders', { config: { xSync: other } }, async () => ({}))
      }),
    ).rejects.toThrow('/orders: routes on one path must share one x-sync declaration')
    await expect(
      appWith((app) => {
        app.get('/orders', { config: { xSync: orderSync.toExtension() as never } }, async () => [])
      }),
    ).rejects.toThrow('GET /orders: config.xSync must come from declareSync()')
  })

  it('converts Fastify paths to OpenAPI paths', () => {
    expect(openApiPath('/orders/:id/items/:itemId')).toBe('/orders/{id}/items/{itemId}')
  })
})
