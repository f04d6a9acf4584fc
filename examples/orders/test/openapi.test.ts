import { afterCommitDispatch, UnitOfWork } from '@pattern-stack/backend-patterns/events'
import { Validator } from '@seriousme/openapi-schema-validator'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../server/db/client.js'
import { contacts } from '../server/db/schema.js'
import { requestMeta } from '../server/routes/common.js'
import { contactSync } from '../server/sync.js'
import { openTestDatabase } from './databases.js'
import { api, BroadcastWatcher, startServer, type TestServer } from './harness.js'

// The document is the same on every database, so one PGlite serves both apps of this file.
let database: Database
beforeAll(async () => {
  database = await openTestDatabase('pglite')
})
afterAll(async () => database?.close())

describe('/openapi.json', () => {
  let server: TestServer
  // biome-ignore lint/suspicious/noExplicitAny: a parsed OpenAPI document
  let doc: any

  beforeAll(async () => {
    server = await startServer('pglite', { database })
    doc = (await api(server.baseUrl, 'GET', '/openapi.json')).body
  })
  afterAll(async () => server?.close())

  it('is a valid OpenAPI 3.1 document (checked by @seriousme/openapi-schema-validator)', async () => {
    expect(doc.openapi).toBe('3.1.0')
    const result = await new Validator().validate(structuredClone(doc))
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
  })

  it('carries path-level x-sync exactly as spec §1.3 shows, on every order and contact path', () => {
    const orderSyncDoc = {
      local_first: true,
      broadcast: {
        channel: 'order',
        events: ['created', 'updated', 'deleted', 'item_added', 'item_removed', 'status_changed'],
      },
    }
    for (const path of [
      '/orders',
      '/orders/{id}',
      '/orders/{id}/items',
      '/orders/{id}/items/{itemId}',
      '/orders/{id}/transition',
    ]) {
      expect(doc.paths[path]['x-sync'], path).toEqual(orderSyncDoc)
    }
    for (const path of ['/contacts', '/contacts/{id}']) {
      expect(doc.paths[path]['x-sync']).toEqual({
        local_first: true,
        broadcast: { channel: 'contact', events: ['created', 'updated', 'deleted'] },
      })
    }
    expect(doc.paths['/menu']['x-sync']).toBeUndefined()
    // The declaration is path-level; an operation carries only its own hints (server_defaults).
    expect(doc.paths['/orders'].post['x-sync']).toEqual({ server_defaults: { status: 'draft', total: 0 } })
    expect(doc.paths['/orders'].get['x-sync']).toBeUndefined()
  })

  it('has readable operationIds and tags', () => {
    const operations: Record<string, string> = {}
    for (const [path, item] of Object.entries(
      doc.paths as Record<string, Record<string, { operationId?: string; tags?: string[] }>>,
    )) {
      for (const [method, operation] of Object.entries(item)) {
        if (method.startsWith('x-')) continue
        operations[`${method.toUpperCase()} ${path}`] =
          `${operation.operationId} [${operation.tags?.join(',')}]`
      }
    }
    expect(operations).toEqual({
      'GET /orders': 'listOrders [orders]',
      'POST /orders': 'createOrder [orders]',
      'GET /orders/{id}': 'getOrder [orders]',
      'PATCH /orders/{id}': 'updateOrder [orders]',
      'DELETE /orders/{id}': 'deleteOrder [orders]',
      'POST /orders/{id}/transition': 'transitionOrder [orders]',
      'POST /orders/{id}/items': 'addOrderItem [orders]',
      'DELETE /orders/{id}/items/{itemId}': 'removeOrderItem [orders]',
      'GET /contacts': 'listContacts [contacts]',
      'POST /contacts': 'createContact [contacts]',
      'GET /contacts/{id}': 'getContact [contacts]',
      'PATCH /contacts/{id}': 'updateContact [contacts]',
      'DELETE /contacts/{id}': 'deleteContact [contacts]',
      'GET /menu': 'getMenu [menu]',
    })
  })

  it('names every schema as a component and references it', () => {
    expect(Object.keys(doc.components.schemas).sort()).toEqual(
      [
        'Contact',
        'ContactCreate',
        'ContactUpdate',
        'MenuItem',
        'Order',
        'OrderCreate',
        'OrderItem',
        'OrderItemCreate',
        'OrderStatus',
        'OrderTransition',
        'OrderUpdate',
        'Problem',
        'ProblemFieldError',
      ].sort(),
    )
    const addItem = doc.paths['/orders/{id}/items'].post
    expect(addItem.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/OrderItemCreate',
    })
    expect(addItem.responses['201'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/OrderItem',
    })
    expect(addItem.responses['409'].content['application/problem+json'].schema).toEqual({
      $ref: '#/components/schemas/Problem',
    })
    expect(doc.components.schemas.Order.properties.items).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/OrderItem' },
    })
    expect(doc.components.schemas.OrderUpdate.required).toEqual(['version'])
    expect(doc.components.schemas.OrderCreate.properties.id).toMatchObject({ type: 'string', format: 'uuid' })
    expect(doc.components.schemas.OrderStatus.enum).toEqual([
      'draft',
      'submitted',
      'preparing',
      'ready',
      'served',
      'cancelled',
    ])
  })
})

/** The declaration drives the behaviour: a broadcast the route did not declare throws and rolls back. */
describe('x-sync enforcement at run time', () => {
  let server: TestServer
  let watcher: BroadcastWatcher

  beforeAll(async () => {
    server = await startServer('pglite', {
      database,
      beforeListen: async (root, database, backend) => {
        const uow = new UnitOfWork({ db: database.db, dispatch: afterCommitDispatch(backend) })
        // A route declared for `contact` that (wrongly) announces an order event.
        await root.register(async (app) => {
          app.post('/undeclared', { config: { xSync: contactSync } }, async (request) => {
            await uow.run(requestMeta(request), async (ctx) => {
              const [row] = await ctx.tx.insert(contacts).values({ name: 'ghost' }).returning()
              await ctx.emit({
                channel: 'order',
                entityType: 'order',
                entityId: String(row?.id),
                eventType: 'created',
              })
            })
            return { ok: true }
          })
          app.post('/no-xsync', async (request) => {
            await uow.run(requestMeta(request), async (ctx) => {
              const [row] = await ctx.tx.insert(contacts).values({ name: 'ghost' }).returning()
              await ctx.emit({
                channel: 'contact',
                entityType: 'contact',
                entityId: String(row?.id),
                eventType: 'created',
              })
            })
            return { ok: true }
          })
        })
      },
    })
    watcher = await BroadcastWatcher.open(server.wsUrl, ['order', 'contact'])
  }, 60_000)
  afterAll(async () => {
    watcher?.close()
    await server?.close()
  })

  it('refuses an undeclared channel or a route without x-sync: 500, no row, no SystemEvent, no broadcast', async () => {
    await watcher.reset(server.backend)
    const before = await server.systemEventCount()
    for (const path of ['/undeclared', '/no-xsync']) {
      const response = await api(server.baseUrl, 'POST', path, { body: {} })
      expect(response.status).toBe(500)
    }
    expect(await server.database.db.select().from(contacts).where(eq(contacts.name, 'ghost'))).toEqual([])
    expect(await server.systemEventCount()).toBe(before)
    expect(await watcher.settle(server.backend, 'order')).toEqual([])
  })
})
