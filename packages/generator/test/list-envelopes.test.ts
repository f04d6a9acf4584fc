import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GeneratorError, generateFiles } from '../src/index.js'

// Which envelope property a list's rows are read from (Entity.listField, the runtime's
// EntityCacheShape.listField), on small documents with each shape real APIs answer in.

const tmp = mkdtempSync(join(tmpdir(), 'sync-patterns-envelopes-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const Widget = {
  type: 'object',
  required: ['id', 'name'],
  properties: { id: { type: 'string' }, name: { type: 'string' } },
}
const Link = { type: 'object', properties: { rel: { type: 'string' }, href: { type: 'string' } } }
const json = (schema: unknown) => ({ description: 'ok', content: { 'application/json': { schema } } })
const array = (items: unknown) => ({ type: 'array', items })
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })

let n = 0
async function generate(
  listSchema: unknown,
  options: { detail?: unknown; listXSync?: unknown; pathXSync?: object } = {},
) {
  const paths: Record<string, unknown> = {
    '/widgets': {
      'x-sync': { local_first: true, ...options.pathXSync },
      get: {
        operationId: 'list_widgets',
        responses: { '200': json(listSchema) },
        ...(options.listXSync ? { 'x-sync': options.listXSync } : {}),
      },
      post: {
        operationId: 'create_widget',
        requestBody: { required: true, content: { 'application/json': { schema: ref('Widget') } } },
        responses: { '201': json(ref('Widget')) },
      },
    },
  }
  if (options.detail !== false)
    paths['/widgets/{id}'] = {
      get: {
        operationId: 'get_widget',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': json(options.detail === undefined ? ref('Widget') : options.detail) },
      },
    }
  const doc = {
    openapi: '3.1.0',
    info: { title: 'w', version: '1' },
    paths,
    components: { schemas: { Widget, Link } },
  }
  const file = join(tmp, `doc-${n++}.json`)
  writeFileSync(file, JSON.stringify(doc, null, 2))
  const { model } = await generateFiles(file)
  const widget = model.entities.find((e) => e.name === 'widget')
  return {
    listField: widget?.listField,
    detailField: widget?.detailField,
    role: widget?.operations.find((op) => op.path === '/widgets' && op.method === 'get')?.role,
    type: widget?.type,
  }
}

const obj = (properties: Record<string, unknown>) => ({ type: 'object', properties })

describe('list envelopes: which property holds the rows', () => {
  it('a bare array has none', async () => {
    expect(await generate(array(ref('Widget')))).toMatchObject({ listField: undefined, role: 'list' })
  })

  it.each([
    ['items', obj({ items: array(ref('Widget')), total: { type: 'integer' } })],
    ['data', obj({ data: array(ref('Widget')), has_more: { type: 'boolean' } })],
    // Django REST framework's page.
    [
      'results',
      obj({ count: { type: 'integer' }, next: { type: ['string', 'null'] }, results: array(ref('Widget')) }),
    ],
    // Cursor pages: the cursor beside the array.
    ['entries', obj({ entries: array(ref('Widget')), next_cursor: { type: 'string' } })],
  ])('{ %s: [...] } with page fields beside it', async (field, schema) => {
    expect(await generate(schema)).toMatchObject({ listField: field, role: 'list' })
  })

  it('the resource plural wins over other arrays of rows, before or after it ({ links: [...], widgets: [...] })', async () => {
    const schema = obj({ links: array(ref('Link')), widgets: array(ref('Widget')), meta: obj({}) })
    // Without a detail response nothing says what a widget is: the name decides.
    expect(await generate(schema, { detail: false })).toMatchObject({ listField: 'widgets', type: 'Widget' })
    expect(await generate(schema)).toMatchObject({ listField: 'widgets' })
  })

  it("an allOf of the rows and page schemas (DigitalOcean's { projects: [...], links, meta })", async () => {
    const schema = {
      allOf: [
        obj({ links: obj({ pages: obj({ next: { type: 'string' } }) }) }),
        { type: 'object', required: ['widgets'], properties: { widgets: array(ref('Widget')) } },
        obj({ meta: obj({ total: { type: 'integer' } }) }),
      ],
    }
    expect(await generate(schema)).toMatchObject({ listField: 'widgets', role: 'list' })
    expect(await generate(schema, { detail: false })).toMatchObject({ listField: 'widgets', role: 'list' })
  })

  it('one level deeper: { data: { items: [...], next_cursor } } is data.items', async () => {
    const schema = obj({ data: obj({ items: array(ref('Widget')), next_cursor: { type: 'string' } }) })
    expect(await generate(schema)).toMatchObject({ listField: 'data.items', role: 'list' })
  })

  it('arrays of something else are not rows: { tags: [string] } and { links: [Link] } next to a Widget detail', async () => {
    expect(await generate(obj({ tags: array({ type: 'string' }) }), { detail: false })).toMatchObject({
      listField: undefined,
      role: 'query',
    })
    expect(await generate(obj({ links: array(ref('Link')) }))).toMatchObject({
      listField: undefined,
      role: 'query',
    })
  })

  it('an x-sync list_field hint on the operation or its path names the rows among several arrays', async () => {
    const schema = obj({ pinned: array(ref('Widget')), page_rows: array(ref('Widget')) })
    expect(await generate(schema)).toMatchObject({ listField: 'pinned' })
    expect(await generate(schema, { listXSync: { list_field: 'page_rows' } })).toMatchObject({
      listField: 'page_rows',
      role: 'list',
    })
    expect(await generate(schema, { pathXSync: { list_field: 'page_rows' } })).toMatchObject({
      listField: 'page_rows',
    })
    const nested = obj({ data: obj({ rows: array(ref('Widget')) }) })
    expect(await generate(nested, { listXSync: { list_field: 'data.rows' } })).toMatchObject({
      listField: 'data.rows',
    })
  })

  it('a hint naming a property that is not an array is refused, with a pointer', async () => {
    const schema = obj({ rows: array(ref('Widget')), total: { type: 'integer' } })
    const error = await generate(schema, { listXSync: { list_field: 'total' } }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GeneratorError)
    expect((error as GeneratorError).message).toContain(
      'x-sync.list_field "total" is not an array property of the GET /widgets response (its array properties: rows)',
    )
    expect((error as GeneratorError).pointer).toBe('/paths/~1widgets/get/x-sync/list_field')
    const onPath = await generate(schema, { pathXSync: { list_field: 'nope' } }).catch((e: unknown) => e)
    expect((onPath as GeneratorError).pointer).toBe('/paths/~1widgets/x-sync/list_field')
    const notName = await generate(schema, { listXSync: { list_field: 3 } }).catch((e: unknown) => e)
    expect((notName as GeneratorError).message).toContain('x-sync.list_field must be a property name')
  })

  it("a detail envelope ({ widget: {...}, links }, DigitalOcean's) is unwrapped: its row is the entity", async () => {
    const detail = obj({ widget: ref('Widget'), links: obj({ self: { type: 'string' } }) })
    const page = obj({ widgets: array(ref('Widget')), meta: obj({}) })
    expect(await generate(page, { detail })).toMatchObject({
      listField: 'widgets',
      detailField: 'widget',
      type: 'Widget',
      role: 'list',
    })
    expect(await generate(page, { detail: obj({ data: ref('Widget') }) })).toMatchObject({
      detailField: 'data',
    })
    // A row that has a property named like the entity is not an envelope: it has its own id.
    const row = obj({ id: { type: 'string' }, widget: ref('Widget') })
    expect(await generate(array(row), { detail: row })).toMatchObject({ detailField: undefined })
  })
})
