import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { emitOpenApiTypes } from '../src/emit/emit-types.js'
import { formatFiles } from '../src/format.js'
import { loadSpec } from '../src/load-spec.js'
import { restyleTypes } from '../src/restyle-types.js'

// restyleTypes stands in for Biome on openapi-typescript's output: whatever it returns must be
// Biome's output byte for byte; where it cannot vouch for a line it must decline (undefined).

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

async function biome(text: string): Promise<string> {
  const formatted = await formatFiles(new Map([['schemas/openapi.ts', text]]), 'biome')
  return formatted.get('schemas/openapi.ts') ?? ''
}

function openapi(schemas: Record<string, unknown>, paths: Record<string, unknown> = {}) {
  return { openapi: '3.1.0', info: { title: 't', version: '1' }, paths, components: { schemas } }
}

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
})

/** One document per feature, so one that declines does not hide the others. */
const adversarial: Record<string, Record<string, unknown>> = {
  'descriptions with quotes, semicolons, blank lines and indentation': openapi({
    A: object({
      a: {
        type: 'string',
        description: 'Says "hello"; it\'s fine;\n\n    indented line\n* starred',
      },
      b: { type: 'integer', description: 'one line; with "quotes"' },
    }),
  }),
  'a description with trailing spaces and tabs': openapi({
    A: object({ a: { type: 'string', description: 'trailing   \nand\ttab' } }),
  }),
  'enum values with quotes and backslashes': openapi({
    A: object({
      a: { type: 'string', enum: ["it's", 'say "hi"', 'back\\slash', 'plain'] },
    }),
  }),
  'an enum too long for one line': openapi({
    A: object({
      status: {
        type: 'string',
        enum: Array.from({ length: 14 }, (_, i) => `status_value_${i}`),
      },
    }),
  }),
  'property names that need quotes, and ones that do not': openapi({
    A: object(
      {
        plain: { type: 'string' },
        'with-dash': { type: 'string' },
        '200': { type: 'string' },
        '2xx': { type: 'string' },
        '1.5': { type: 'string' },
        $ref_like: { type: 'string' },
        'has space': { type: 'string' },
      },
      ['plain', 'with-dash'],
    ),
  }),
  'a non-ASCII property name': openapi({ A: object({ café: { type: 'string' } }) }),
  'a nullable object': openapi({
    A: object({ nullable: { anyOf: [object({ y: { type: 'string' } }), { type: 'null' }] } }),
  }),
  'an inline object': openapi({ A: object({ inline: object({ x: { type: 'number' } }, ['x']) }) }),
  'a union of a reference and a primitive': openapi({
    A: object({ union: { oneOf: [{ $ref: '#/components/schemas/B' }, { type: 'string' }] } }),
    B: object({ b: { type: 'string' } }),
  }),
  'a union of a primitive and an inline object': openapi({
    A: object({ union: { oneOf: [{ type: 'string' }, object({ b: { type: 'string' } })] } }),
  }),
  'a map': openapi({ A: object({ map: { type: 'object', additionalProperties: { type: 'integer' } } }) }),
  'a list of inline objects': openapi({
    A: object({ list: { type: 'array', items: object({ z: { type: 'boolean' } }) } }),
  }),
  'a tuple, a constant, read-only, deprecated and defaulted fields': openapi({
    A: object({
      tuple: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] },
      constant: { const: 'fixed' },
      readonly: { type: 'string', readOnly: true },
      deprecated: { type: 'string', deprecated: true, default: 'x', example: 'y' },
    }),
  }),
  'allOf of two inline objects': openapi({
    B: { allOf: [object({ b: { type: 'string' } }), object({ c: { type: 'string' } })] },
  }),
  'paths with parameters, headers, several responses and a default': openapi(
    {},
    {
      '/things/{thing_id}': {
        get: {
          operationId: 'get_thing_things__thing_id__get',
          parameters: [
            { name: 'thing_id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'x-request-id', in: 'header', schema: { type: 'string' } },
            { name: 'q', in: 'query', schema: { anyOf: [{ type: 'string' }, { type: 'null' }] } },
          ],
          responses: {
            '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } },
            '4XX': { description: 'client "error"' },
            default: { description: 'other' },
          },
        },
      },
    },
  ),
}

describe('restyleTypes: the types in Biome style without running Biome', () => {
  it('equals Biome on every fixture, the bench-shaped spec, and never declines them', async () => {
    for (const file of [
      'orders-fastify.openapi.json',
      'fastapi-pydantic-v2.openapi.json',
      'fastapi-pydantic-v1.openapi.json',
      'petstore-yaml/openapi.yaml',
      'shop-large.openapi.yaml',
    ]) {
      const { document } = await loadSpec(join(fixtures, file))
      const printed = await emitOpenApiTypes(document)
      const restyled = restyleTypes(printed)
      expect(restyled, `${file}: declined`).toBeDefined()
      expect(restyled, file).toBe(await biome(printed))
    }
  })

  for (const [name, document] of Object.entries(adversarial)) {
    it(`${name}: Biome's bytes or a refusal, never a third thing`, async () => {
      const printed = await emitOpenApiTypes(document)
      const restyled = restyleTypes(printed)
      if (restyled !== undefined) expect(restyled).toBe(await biome(printed))
    })
  }

  it('declines what it cannot vouch for: a long line, an escape, a needlessly quoted key', () => {
    const wrap = (member: string) =>
      `export interface components {\n    schemas: {\n        ${member}\n    };\n}\n`
    expect(
      restyleTypes(wrap(`a: ${Array.from({ length: 12 }, (_, i) => `"value_${i}"`).join(' | ')};`)),
    ).toBe(undefined)
    expect(restyleTypes(wrap('a: "back\\\\slash";'))).toBe(undefined)
    expect(restyleTypes(wrap('"plain": string;'))).toBe(undefined)
    expect(restyleTypes(wrap('a: {\n            b: string;\n        } | string;'))).toBe(undefined)
    expect(restyleTypes(wrap('/** trailing */ '))).toBe(undefined)
    // and converts what it can: indentation, quotes (double where the text has a single one), semicolons
    expect(restyleTypes(wrap('"with-dash"?: "it\'s" | "plain";'))).toBe(
      `export interface components {\n  schemas: {\n    'with-dash'?: "it's" | 'plain'\n  }\n}\n`,
    )
  })

  it('the hand-made edge cases equal Biome where accepted', async () => {
    const text = [
      'export interface components {',
      '    schemas: {',
      '        A: {',
      '            "with-dash"?: "it\'s" | "plain";',
      '            200: number;',
      '            readonly x: components["schemas"]["B"][];',
      '            /**',
      '             * @description Uses "quotes"; and semicolons;',
      '             *',
      '             *     indented',
      '             */',
      '            y: (string | number)[];',
      '            z: Record<string, never>;',
      '            [name: string]: unknown;',
      '        };',
      '    };',
      '}',
      'export type $defs = Record<string, never>;',
      '',
    ].join('\n')
    const restyled = restyleTypes(text)
    expect(restyled).toBeDefined()
    expect(restyled).toBe(await biome(text))
  })
})
