import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { findBiome, formatFiles } from '../src/format.js'
import { generateFiles } from '../src/generate.js'
import { synthesizeSpec } from './fixtures/synthesize-spec.js'

// The templates write plain code and Biome lays every file out, so the output is Biome's whatever
// the lengths of names in the spec: formatting it again changes nothing (which is what the repo's
// `biome check` asks), Biome run over each file apart agrees, and two runs give the same bytes (`--check`).

const here = dirname(fileURLToPath(import.meta.url))
const fixtures = join(here, 'fixtures')
const tmp = mkdtempSync(join(tmpdir(), 'sync-patterns-preformatted-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

type Json = Record<string, unknown>
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: unknown) => ({ 'application/json': { schema } })
const ok = (schema: unknown) => ({ '200': { description: 'ok', content: json(schema) } })
const pascal = (words: string[]) => words.map((w) => `${w[0]?.toUpperCase()}${w.slice(1)}`).join('')

const WORDS =
  'order line item warehouse shipment allocation reservation fulfillment adjustment category'.split(' ')

/** snake_case words, `length` characters in all, starting at word `seed`. */
function words(length: number, seed: number): string[] {
  const list: string[] = []
  for (let i = seed; list.join('_').length < length; i++) list.push(WORDS[i % WORDS.length] ?? 'x')
  return list.join('_').slice(0, length).replace(/_+$/, '').split('_')
}

/**
 * One resource per name length (entity names of 3 to 60 characters), each with every kind of
 * operation and with property, parameter, child and action names of other lengths, so that the
 * generated lines land on both sides of LINE_WIDTH.
 */
function stressSpec(lengths: number[]): Json {
  const paths: Json = {}
  const schemas: Json = {}
  lengths.forEach((length, k) => {
    const entity = words(length, k)
    const name = pascal(entity)
    const plural = `${entity.join('_')}s`
    const child = words(Math.max(3, (length * 7) % 41), k + 3)
    const childName = `${name}${pascal(child)}`
    const children = `${child.join('_')}s`
    const field = words(Math.max(2, (length * 3) % 50), k + 5).join('_')
    const action = words(Math.max(4, (length * 5) % 45), k + 7).join('_')
    const idName = k % 3 === 0 ? 'id' : `${entity.slice(0, 2).join('_')}_id`
    const childIdName = `${child.slice(0, 3).join('_')}_id`
    const clientIds = k % 2 === 0
    const synced = k % 5 !== 4
    const localFirst = k % 5 < 3

    const defaults: Json = {
      name: { type: 'string', default: 'x'.repeat(length % 17) },
      [field]: { type: 'string', default: k % 4 === 0 ? "it's" : field },
      flag: { type: 'boolean', default: k % 2 === 0 },
    }
    if (k % 6 === 1) defaults.tags = { type: 'array', items: { type: 'string' }, default: ['a', field] }
    if (k % 6 === 2) defaults.limits = { type: 'object', default: { min: 1, [field]: 'v' } }
    if (k % 6 === 3)
      defaults.rows = {
        type: 'array',
        default: [
          { a: 1, b: field },
          { a: 2, b: 'say "hi"' },
        ],
      }
    if (k % 6 === 4) defaults.numbers = { type: 'array', default: Array.from({ length }, (_, i) => i * 1000) }
    if (k % 6 === 5)
      defaults['quoted-key'] = {
        type: 'array',
        default: [
          [1, 2],
          [3, 1e21],
        ],
      }
    schemas[name] = {
      type: 'object',
      required: ['id', 'name', children, 'version'],
      properties: {
        id: { type: clientIds ? 'string' : 'integer' },
        ...defaults,
        [children]: { type: 'array', items: ref(childName) },
        version: { type: 'integer' },
      },
    }
    schemas[childName] = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } }
    schemas[`${childName}Create`] = {
      type: 'object',
      properties: { ...(clientIds ? { id: { type: 'string' } } : {}), quantity: { type: 'integer' } },
    }
    schemas[`${name}Create`] = {
      type: 'object',
      properties: { ...(clientIds ? { id: { type: 'string' } } : {}), name: { type: 'string' }, [field]: {} },
    }
    schemas[`${name}Update`] = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        [field]: {},
        ...(k % 2 ? { version: { type: 'integer' } } : {}),
      },
    }

    const id = {
      name: idName,
      in: 'path',
      required: true,
      schema: { type: k % 5 === 2 ? 'integer' : 'string' },
    }
    const childId = { name: childIdName, in: 'path', required: true, schema: { type: 'string' } }
    const query = [
      { name: field, in: 'query', required: k % 4 === 2, schema: { type: 'string' } },
      { name: 'limit', in: 'query', schema: { type: 'integer' } },
    ]
    const list =
      k % 3 === 2
        ? { type: 'object', properties: { items: { type: 'array', items: ref(name) } } }
        : {
            type: 'array',
            items: ref(name),
          }
    const base = `/api/v1/${plural}`
    paths[base] = {
      ...(synced ? { 'x-sync': { local_first: localFirst, broadcast: { channel: entity.join('_') } } } : {}),
      get: {
        operationId: `list_${plural}`,
        ...(k % 3 === 1 ? { summary: `List ${entity.join(' ')}` } : {}),
        parameters: k % 7 === 0 ? [] : query,
        responses: ok(list),
      },
      post: {
        operationId: `create_${plural}`,
        requestBody: { required: true, content: json(ref(`${name}Create`)) },
        responses: { '201': { description: 'created', content: json(ref(name)) } },
      },
      ...(k % 4 === 3 ? { delete: { responses: { '204': { description: 'all gone' } } } } : {}),
    }
    paths[`${base}/{${idName}}`] = {
      parameters: [id],
      get: { responses: ok(ref(name)) },
      patch: {
        requestBody: { required: true, content: json(ref(`${name}Update`)) },
        responses: ok(ref(name)),
      },
      ...(k % 2
        ? {
            put: {
              requestBody: {
                required: k % 4 === 1,
                content: {
                  'application/merge-patch+json': { schema: { type: 'object', properties: { n: {} } } },
                },
              },
              responses: ok({ anyOf: [ref(name), { type: 'null' }] }),
            },
          }
        : {}),
      delete: {
        ...(k % 3 === 0 ? { parameters: query.slice(1) } : {}),
        responses:
          k % 2 ? { '204': { description: 'gone' } } : ok({ type: 'object', properties: { id: {} } }),
      },
    }
    paths[`${base}/{${idName}}/${children}`] = {
      parameters: [id],
      get: { responses: ok({ type: 'array', items: ref(childName) }) },
      post: {
        requestBody: { required: true, content: json(ref(`${childName}Create`)) },
        responses: ok(ref(childName)),
      },
    }
    paths[`${base}/{${idName}}/${children}/{${childIdName}}`] = {
      parameters: [id, childId],
      get: { responses: ok(ref(childName)) },
      patch: { requestBody: { content: json(ref(`${childName}Create`)) }, responses: ok(ref(childName)) },
      delete: { responses: { '204': { description: 'gone' } } },
    }
    paths[`${base}/{${idName}}/${action}`] = {
      parameters: [id],
      post: {
        ...(k % 2 && localFirst ? { 'x-sync': { optimistic: 'update' } } : {}),
        requestBody: { required: true, content: json(ref(`${name}Update`)) },
        responses: ok(ref(name)),
      },
      get: { parameters: query, responses: ok({ type: 'object', properties: { n: { type: 'integer' } } }) },
      delete: {
        parameters: [{ ...query[0], required: true }],
        responses: { '204': { description: 'done' } },
      },
    }
  })
  // Short enough for one-line client methods.
  schemas.Tag = { type: 'object', properties: { id: { type: 'string' } } }
  paths['/tags'] = {
    get: { responses: ok({ type: 'array', items: ref('Tag') }) },
    post: { requestBody: { content: json(ref('Tag')) }, responses: ok(ref('Tag')) },
  }
  paths['/api/v1/{tenant_identifier}/health_check'] = {
    get: {
      parameters: [{ name: 'tenant_identifier', in: 'path', required: true, schema: {} }],
      responses: {},
    },
  }
  return { openapi: '3.1.0', info: { title: 'Stress API', version: '1' }, paths, components: { schemas } }
}

/** Each file formatted on its own: written under a directory, `biome format --write` over it, read back. */
function formatEachFile(files: Map<string, string>): Map<string, string> {
  const dir = mkdtempSync(join(tmp, 'each-'))
  for (const [path, source] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), source)
  }
  writeFileSync(
    join(dir, 'biome.json'),
    JSON.stringify({
      formatter: { indentStyle: 'space', indentWidth: 2, lineWidth: 110 },
      javascript: { formatter: { quoteStyle: 'single', semicolons: 'asNeeded' } },
    }),
  )
  const biome = findBiome(process.cwd())
  if (!biome) throw new Error('no Biome binary')
  const run = spawnSync(biome.command, [...biome.args, 'format', '--write', '.'], {
    cwd: dir,
    encoding: 'utf8',
  })
  if (run.status !== 0) throw new Error(run.stdout + run.stderr)
  return new Map([...files.keys()].map((path) => [path, readFileSync(join(dir, path), 'utf8')]))
}

function writeSpec(name: string, spec: Json): string {
  const file = join(tmp, `${name}.json`)
  writeFileSync(file, JSON.stringify(spec))
  return file
}

const inputs: Record<string, () => string> = {
  'orders-fastify': () => join(fixtures, 'orders-fastify.openapi.json'),
  'fastapi-pydantic-v2': () => join(fixtures, 'fastapi-pydantic-v2.openapi.json'),
  'fastapi-pydantic-v1': () => join(fixtures, 'fastapi-pydantic-v1.openapi.json'),
  'petstore-yaml': () => join(fixtures, 'petstore-yaml/openapi.yaml'),
  'shop-large': () => join(fixtures, 'shop-large.openapi.yaml'),
  'bench-like (5 resources)': () => writeSpec('bench', synthesizeSpec(5)),
  'stress (entity names of 3 to 60 characters)': () =>
    writeSpec('stress', stressSpec(Array.from({ length: 58 }, (_, i) => i + 3))),
}

describe("every file is Biome's output, the same on every run", () => {
  for (const [name, input] of Object.entries(inputs)) {
    it(`${name}`, async () => {
      const file = input()
      const { files } = await generateFiles(file)
      expect(Object.fromEntries(files)).toEqual(Object.fromEntries(await formatFiles(files, 'biome')))
      // Biome over the files one by one: the joined run split back into the same bytes
      expect(Object.fromEntries(files)).toEqual(Object.fromEntries(formatEachFile(files)))
      expect([...(await generateFiles(file)).files]).toEqual([...files])
    })
  }
})

describe('the pipeline', () => {
  /** Orders with list and an optimistic create, whose Order schema has `properties`. */
  function ordersSpec(properties: Json, createSchemaName: string): Json {
    const order = { type: 'object', required: ['id'], properties: { id: { type: 'string' }, ...properties } }
    return {
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {
        '/orders': {
          'x-sync': { local_first: true, broadcast: { channel: 'order', events: ['created'] } },
          get: { operationId: 'listOrders', responses: ok({ type: 'array', items: ref('Order') }) },
          post: {
            operationId: 'createOrder',
            requestBody: { required: true, content: json(ref(createSchemaName)) },
            responses: ok(ref('Order')),
          },
        },
      },
      components: {
        schemas: { Order: order, [createSchemaName]: { type: 'object', properties: order.properties } },
      },
    }
  }

  it('lays out lines with wide characters as Biome does (two columns each)', async () => {
    const wide = '注'.repeat(42) // 42 characters, 84 columns
    const input = writeSpec('wide', ordersSpec({ note: { type: 'string', default: wide } }, 'OrderCreate'))
    const { files } = await generateFiles(input)
    expect(files.get('hooks/useOrderMutations.ts')).toContain(wide)
    expect(Object.fromEntries(files)).toEqual(Object.fromEntries(await formatFiles(files, 'biome')))
  })

  it('quotes keys and indexed types as Biome does: a name with a single quote goes in double quotes', async () => {
    const labels = { type: 'object', default: { "chef's": 'special', 'a\\b': 'x' } }
    const input = writeSpec('quotes', ordersSpec({ labels }, "Order's draft"))
    const { files } = await generateFiles(input)
    expect(files.get('hooks/useOrderMutations.ts')).toContain(`"chef's": 'special'`)
    expect(Object.fromEntries(files)).toEqual(Object.fromEntries(await formatFiles(files, 'biome')))
  })
})
