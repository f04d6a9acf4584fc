import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { generateFiles } from '../src/generate.js'
import { compileGenerated } from './support/compile-generated.js'

// References into paths, as converters and bundlers write them for a schema used twice (found in
// Brex's, Telstra's and the D&D 5e API's documents from APIs.guru, and @readme/oas-examples
// circular-paths): the
// generated types must compile, and say what the reference points at.

const here = dirname(fileURLToPath(import.meta.url))
const work = join(
  resolve(here, '../../..'),
  'node_modules/.cache/sync-patterns-path-refs',
  String(process.pid),
)
afterAll(() => rmSync(work, { recursive: true, force: true }))

const time = { type: 'string', format: 'date-time' }
const doc = {
  openapi: '3.0.3',
  info: { title: 'Path refs', version: '1' },
  paths: {
    '/announcements/{id}': {
      get: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'ok',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { time, offset: { $ref: '#/components/schemas/Offset' } },
                },
              },
            },
          },
        },
      },
    },
    '/callbacks': {
      get: {
        responses: {
          '200': {
            description: 'ok',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['created', 'offset'],
                  properties: {
                    // an inline schema inside another path
                    created: {
                      $ref: '#/paths/~1announcements~1{id}/get/responses/200/content/application~1json/schema/properties/time',
                    },
                    // a reference that leads on to a component
                    offset: {
                      $ref: '#/paths/~1announcements~1{id}/get/responses/200/content/application~1json/schema/properties/offset',
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      Offset: { type: 'object', required: ['minutes'], properties: { minutes: { type: 'integer' } } },
      Monster: {
        allOf: [
          { $ref: '#/components/schemas/Offset' },
          {
            type: 'object',
            properties: {
              actions: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name'],
                  properties: {
                    name: { type: 'string' },
                    // a reference inside the schema another reference copies
                    alias: {
                      $ref: '#/components/schemas/Monster/allOf/1/properties/actions/items/properties/name',
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
  },
}
Object.assign(doc.paths, {
  // a specification extension of the Paths Object, not a path (Apicurio Registry's document)
  'x-codegen-contextRoot': '/apis/registry/v2',
  '/monsters': {
    get: {
      responses: {
        '200': {
          description: 'ok',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Monster' } } },
        },
      },
    },
  },
  '/actions': {
    get: {
      responses: {
        '200': {
          description: 'ok',
          content: {
            'application/json': {
              // into a component's allOf member (the D&D 5e API's document)
              schema: {
                type: 'array',
                items: { $ref: '#/components/schemas/Monster/allOf/1/properties/actions/items' },
              },
            },
          },
        },
      },
    },
  },
})

describe('references into paths', () => {
  it('are typed as what they point at, and the output compiles', async () => {
    const out = join(work, 'out')
    mkdirSync(out, { recursive: true })
    writeFileSync(join(work, 'openapi.json'), JSON.stringify(doc))
    const { files } = await generateFiles(join(work, 'openapi.json'), out)
    for (const [path, source] of files) {
      mkdirSync(dirname(join(out, path)), { recursive: true })
      writeFileSync(join(out, path), source)
    }
    const types = files.get('schemas/openapi.ts') ?? ''
    expect(types).not.toContain("['schema']")
    expect(types).not.toContain("['allOf']")
    expect(types).toMatch(/alias\?: string/)
    expect(types).toMatch(/created: string/)
    expect(types).toMatch(/offset: components\['schemas'\]\['Offset'\]/)
    expect(compileGenerated(out)).toEqual([])
  })
})
