import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateFiles } from '../src/index.js'

// FastAPI parity in the generator: request bodies leave fields with server defaults optional
// (responses keep them required), and hooks are named from FastAPI's operationIds as a person would.

const tmp = mkdtempSync(join(tmpdir(), 'sync-patterns-fastapi-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const json = (schema: unknown) => ({ content: { 'application/json': { schema } } })
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const ok = (schema: unknown) => ({ 200: { description: 'Successful Response', ...json(schema) } })

function document() {
  return {
    openapi: '3.1.0',
    info: { title: 'FastAPI', version: '0.1.0' },
    components: {
      schemas: {
        // Used only in a request body (and through Line, nested): defaults stay optional.
        OrderCreate: {
          type: 'object',
          required: ['table'],
          properties: {
            table: { type: 'string' },
            notes: { type: 'string', default: '' },
            lines: { type: 'array', items: ref('Line'), default: [] },
          },
        },
        Line: {
          type: 'object',
          required: ['menu_item_id'],
          properties: { menu_item_id: { type: 'integer' }, quantity: { type: 'integer', default: 1 } },
        },
        // A response: the server fills every default in.
        Order: {
          type: 'object',
          required: ['id', 'table'],
          properties: {
            id: { type: 'integer' },
            table: { type: 'string' },
            notes: { type: 'string', default: '' },
            tag: ref('Tag'),
          },
        },
        // Both in a request and a response: the response view.
        Tag: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, colour: { type: 'string', default: 'grey' } },
        },
        Body_login_for_access_token_token_post: {
          type: 'object',
          required: ['username', 'password'],
          properties: {
            grant_type: { anyOf: [{ type: 'string', pattern: 'password' }, { type: 'null' }] },
            username: { type: 'string' },
            password: { type: 'string' },
            scope: { type: 'string', default: '' },
          },
        },
      },
    },
    paths: {
      '/orders/': {
        get: {
          operationId: 'list_orders_orders__get',
          responses: ok({ type: 'array', items: ref('Order') }),
        },
        post: {
          operationId: 'create_order_orders__post',
          requestBody: { required: true, ...json(ref('OrderCreate')) },
          responses: ok(ref('Order')),
        },
      },
      '/tags/': {
        post: {
          operationId: 'create_tag_tags__post',
          requestBody: json(ref('Tag')),
          responses: ok(ref('Tag')),
        },
      },
      '/token': {
        post: {
          operationId: 'login_for_access_token_token_post',
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': { schema: ref('Body_login_for_access_token_token_post') },
            },
          },
          responses: ok({ type: 'object' }),
        },
      },
      '/users/me': {
        get: { tags: ['users'], operationId: 'users-read_user_me', responses: ok({ type: 'object' }) },
      },
      '/users/me/items/': {
        get: {
          tags: ['users'],
          operationId: 'read_own_items_users_me_items__get',
          responses: ok({ type: 'array' }),
        },
      },
      '/items/stats': {
        get: { tags: ['items'], operationId: 'items-get_item_stats', responses: ok({ type: 'object' }) },
      },
    },
  }
}

async function generate() {
  const file = join(tmp, `fastapi-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, JSON.stringify(document(), null, 2))
  return (await generateFiles(file)).files
}

/** The members of one component in schemas/openapi.ts. */
function component(types: string, name: string) {
  const start = types.indexOf(`    ${name}: {`)
  return types.slice(start, types.indexOf('\n    }', start))
}

describe('FastAPI request and response types', () => {
  it('leaves defaulted fields optional in request-only schemas and required in responses', async () => {
    const types = (await generate()).get('schemas/openapi.ts') ?? ''
    expect(component(types, 'OrderCreate')).toContain('notes?: string')
    expect(component(types, 'OrderCreate')).toContain("lines?: components['schemas']['Line'][]")
    expect(component(types, 'OrderCreate')).toContain('table: string')
    expect(component(types, 'Line')).toContain('quantity?: number')
    expect(component(types, 'Order')).toContain('notes: string')
    // Used by a request and a response: required, as the response has it.
    expect(component(types, 'Tag')).toContain('colour: string')
    // The OAuth2 password form: scope may be left out.
    expect(component(types, 'Body_login_for_access_token_token_post')).toContain('scope?: string')
  })
})

describe('names from FastAPI operationIds', () => {
  it('reads default and tag-prefixed ids as function names, GET hooks without read/get', async () => {
    const files = [...(await generate()).values()].join('\n')
    // `users-read_user_me` (generate_unique_id_function: tag-route name) → readUserMe / useUserMe.
    expect(files).toContain('export function useUserMe(')
    expect(files).toContain('readUserMe: (')
    expect(files).toContain('export function useOwnItems(')
    expect(files).toContain('readOwnItems: (')
    expect(files).toContain('export function useItemStats(')
    expect(files).toContain('getItemStats: (')
    expect(files).not.toMatch(/usersReadUserMe|itemsGetItemStats/)
  })
})
