import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { findBiome } from '../src/format.js'
import { diffOutput, GeneratorError, generateFiles } from '../src/index.js'
import { SNAPSHOT_FIXTURES as FIXTURES } from './fixtures/snapshot-fixtures.js'

// Snapshots: each fixture's output is committed under __generated__/<name> (so the repo's own
// `biome check` and `tsc --strict` run on it); the generator must reproduce it byte for byte.

const here = dirname(fileURLToPath(import.meta.url))
const fixtures = join(here, 'fixtures')
const snapshots = join(here, '__generated__')
const tmp = mkdtempSync(join(tmpdir(), 'sync-patterns-generate-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('snapshots of real-world specs', () => {
  for (const [name, file] of Object.entries(FIXTURES)) {
    it(`${name}: output equals the committed snapshot, byte for byte, on every run`, async () => {
      const first = await generateFiles(join(fixtures, file))
      const second = await generateFiles(join(fixtures, file))
      expect([...second.files.entries()]).toEqual([...first.files.entries()])
      const diff = await diffOutput(join(snapshots, name), first.files)
      expect(diff).toEqual({ added: [], changed: [], stale: [] })
      for (const [path, content] of first.files) {
        expect(content.startsWith('/**\n'), path).toBe(true)
        expect(content.slice(0, 300), path).toContain(' * DO NOT EDIT - changes will be overwritten.\n')
      }
    })
  }
})

describe('names and kinds', () => {
  it('FastAPI operation ids become entity names: add_item_orders__order_id__items_post → useAddOrderItem', async () => {
    const { model } = await generateFiles(join(fixtures, FIXTURES['fastapi-pydantic-v2']))
    const order = model.entities.find((e) => e.name === 'order')
    const names = order?.operations.map((op) => [op.operationId, op.hookName, op.clientName, op.optimistic])
    expect(names).toEqual([
      ['list_orders_orders_get', 'useOrders', 'list', 'none'],
      ['create_order_orders_post', 'useCreateOrder', 'create', 'create'],
      ['get_order_orders__order_id__get', 'useOrder', 'get', 'none'],
      ['update_order_orders__order_id__patch', 'useUpdateOrder', 'update', 'update'],
      ['delete_order_orders__order_id__delete', 'useDeleteOrder', 'delete', 'delete'],
      ['add_item_orders__order_id__items_post', 'useAddOrderItem', 'addItem', 'add-child'],
      [
        'remove_item_orders__order_id__items__item_id__delete',
        'useRemoveOrderItem',
        'removeItem',
        'remove-child',
      ],
      // x-sync: { optimistic: update } on an action
      ['submit_order_orders__order_id__submit_post', 'useSubmitOrder', 'submit', 'update'],
    ])
  })

  it('paths without x-sync get plain hooks: no broadcast, no optimism', async () => {
    const spec = join(tmp, 'plain.yaml')
    writeFileSync(
      spec,
      `openapi: 3.1.0
info: { title: plain, version: '1' }
paths:
  /notes:
    get:
      responses: { '200': { description: ok, content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Note' } } } } } }
    post:
      requestBody: { required: true, content: { application/json: { schema: { $ref: '#/components/schemas/Note' } } } }
      responses: { '201': { description: ok, content: { application/json: { schema: { $ref: '#/components/schemas/Note' } } } } }
components:
  schemas:
    Note: { type: object, required: [id, text], properties: { id: { type: string }, text: { type: string } } }
`,
    )
    const { files } = await generateFiles(spec)
    const entity = files.get('entities/note.ts') ?? ''
    const hooks = files.get('hooks/useNoteMutations.ts') ?? ''
    expect(entity).toContain('export function useNotes(')
    expect(entity).not.toContain('useBroadcastInvalidation')
    expect(entity).not.toContain('autoRefresh')
    expect(hooks).toContain('export function useCreateNote(')
    expect(hooks).not.toContain('patches:')
  })
})

async function expectRefusal(text: string, name: string) {
  const file = join(tmp, name)
  writeFileSync(file, text)
  const error = await generateFiles(file).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(GeneratorError)
  return error as GeneratorError
}

describe('invalid input is refused with the place it points at', () => {
  it('malformed YAML: names the line', async () => {
    const error = await expectRefusal('openapi: 3.1.0\ninfo:\n  title: [unclosed\npaths: {}\n', 'broken.yaml')
    expect(error.message).toMatch(/not valid JSON or YAML/)
    expect(error.line).toBeGreaterThanOrEqual(3)
  })

  it('a $ref to nothing: names the JSON pointer of the reference', async () => {
    const error = await expectRefusal(
      `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /orders:
    get:
      responses:
        '200':
          description: ok
          content: { application/json: { schema: { $ref: '#/components/schemas/Missing' } } }
`,
      'missing-ref.yaml',
    )
    expect(error.message).toMatch(/Missing|resolve/i)
    expect(error.pointer).toBe('/paths/~1orders/get/responses/200/content/application~1json/schema')
    expect(error.line).toBe(9)
  })

  it('a path with a quote (the generated code quotes paths): pointer and line', async () => {
    const error = await expectRefusal(
      `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  "/o'brien":
    get:
      responses: { '200': { description: ok } }
`,
      'quoted-path.yaml',
    )
    expect(error.message).toMatch(/a path may not contain quotes/)
    expect(error.pointer).toBe("/paths/~1o'brien")
    expect(error.line).toBe(4)
  })

  it('a bad x-sync channel: pointer and line', async () => {
    const error = await expectRefusal(
      `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /orders:
    x-sync:
      local_first: true
      broadcast:
        channel: 'has spaces'
    get:
      responses: { '200': { description: ok } }
`,
      'bad-channel.yaml',
    )
    expect(error.pointer).toBe('/paths/~1orders/x-sync/broadcast/channel')
    expect(error.line).toBe(8)
    expect(error.message).toContain('bad-channel.yaml:8 at /paths/~1orders/x-sync/broadcast/channel')
  })

  it('an x-sync.optimistic hint that does not fit the operation', async () => {
    const error = await expectRefusal(
      `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /orders:
    x-sync: { local_first: true, broadcast: { channel: order } }
    get:
      x-sync: { optimistic: delete }
      responses: { '200': { description: ok } }
`,
      'bad-hint.yaml',
    )
    expect(error.pointer).toBe('/paths/~1orders/get/x-sync/optimistic')
    expect(error.message).toMatch(/delete does not fit GET \/orders/)
  })

  it('OpenAPI 2.0 and non-OpenAPI documents', async () => {
    const swagger = await expectRefusal(
      '{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}',
      'swagger.json',
    )
    expect(swagger.pointer).toBe('/swagger')
    expect(swagger.message).toMatch(/2\.0/)
    const other = await expectRefusal('{"hello": "world"}', 'other.json')
    expect(other.message).toMatch(/openapi/)
  })

  it('a missing input file', async () => {
    const error = await generateFiles(join(tmp, 'nope.yaml')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GeneratorError)
    expect((error as Error).message).toMatch(/input file not found/)
  })
})

describe('external references', () => {
  it('3.0 YAML split across files is bundled: the types include the referenced schemas', async () => {
    const { files, sources } = await generateFiles(join(fixtures, FIXTURES['petstore-yaml']))
    expect(sources.map((s) => s.replace(fixtures, ''))).toEqual([
      '/petstore-yaml/openapi.yaml',
      '/petstore-yaml/components/parameters.yaml',
      '/petstore-yaml/components/pet.yaml',
      '/petstore-yaml/components/responses.yaml',
    ])
    expect(files.get('schemas/pet.schema.ts')).toContain("export type Pet = components['schemas']['Pet']")
    expect(readFileSync(join(snapshots, 'petstore-yaml/schemas/openapi.ts'), 'utf8')).toContain(
      'vaccinations',
    )
  })
})

describe('formatting', () => {
  it("uses this package's own Biome in a project that has none (not prettier, which is several times slower)", () => {
    const project = mkdtempSync(join(tmp, 'no-biome-'))
    writeFileSync(join(project, 'package.json'), '{"name":"no-biome","private":true}')
    const biome = findBiome(project)
    expect(biome?.command).toMatch(/@biomejs[\\/]cli-[^\\/]+[\\/]biome(\.exe)?$/)
  })

  it("writes in the style of the project's biome.json (double quotes, semicolons, tabs here)", async () => {
    const project = mkdtempSync(join(tmp, 'biome-style-'))
    writeFileSync(join(project, '.git'), '') // the project's root: the search stops here
    writeFileSync(
      join(project, 'biome.json'),
      JSON.stringify({ javascript: { formatter: { quoteStyle: 'double', semicolons: 'always' } } }),
    )
    const { files } = await generateFiles(join(fixtures, FIXTURES['orders-fastify']), project)
    const hooks = files.get('hooks/useOrderMutations.ts') ?? ''
    expect(hooks).toContain('import { orderApi } from "../client/order";')
    expect(hooks).toMatch(/^\t+return useOptimisticMutation/m)
    // Ours is the same code in another layout: the project's style is the only difference.
    const ours = (await generateFiles(join(fixtures, FIXTURES['orders-fastify']))).files
    expect([...files.keys()]).toEqual([...ours.keys()])
  })

  it("writes in the style of the project's prettier configuration when it has no biome.json", async () => {
    const project = mkdtempSync(join(tmp, 'prettier-style-'))
    writeFileSync(join(project, '.git'), '')
    writeFileSync(join(project, '.prettierrc.json'), JSON.stringify({ semi: true, tabWidth: 4 }))
    const { files } = await generateFiles(join(fixtures, FIXTURES['orders-fastify']), project)
    const client = files.get('client/order.ts') ?? ''
    expect(client).toContain('} from "@pattern-stack/sync-patterns/runtime/core";') // prettier's 80 columns break it
    expect(client).toMatch(/^ {4}\S/m)
  })

  it("writes in this package's style in a project with no formatter configuration", async () => {
    const project = mkdtempSync(join(tmp, 'no-style-'))
    writeFileSync(join(project, '.git'), '')
    const { files } = await generateFiles(join(fixtures, FIXTURES['orders-fastify']), project)
    expect(await diffOutput(join(snapshots, 'orders-fastify'), files)).toEqual({
      added: [],
      changed: [],
      stale: [],
    })
  })

  it('Biome and prettier give the same bytes, so the output does not depend on which one the project has', async () => {
    const input = join(fixtures, FIXTURES['shop-large'])
    const biome = await generateFiles(input, process.cwd(), 'biome')
    const prettier = await generateFiles(input, process.cwd(), 'prettier')
    expect([...prettier.files.entries()]).toEqual([...biome.files.entries()])
  })
})

describe('operation ids', () => {
  it('a duplicate operationId is refused at the second use', async () => {
    const error = await expectRefusal(
      `openapi: 3.1.0
info: { title: t, version: '1' }
paths:
  /a:
    get: { operationId: same, responses: { '200': { description: ok } } }
  /b:
    get: { operationId: same, responses: { '200': { description: ok } } }
`,
      'duplicate-id.yaml',
    )
    expect(error.pointer).toBe('/paths/~1b/get/operationId')
    expect(error.message).toContain('operationId "same" is also used by GET /a')
  })
})
