import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GeneratorError, generateFiles } from '../src/index.js'

// Which property is an entity's version (Entity.versionField, the runtime's EntityCacheShape
// .versionField): with one, the generated hooks hand the cache shape to their broadcast
// subscription, so data already at a broadcast's entity_version is not refetched.

const tmp = mkdtempSync(join(tmpdir(), 'sync-patterns-version-field-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const json = (schema: unknown) => ({ description: 'ok', content: { 'application/json': { schema } } })
const ref = { $ref: '#/components/schemas/Widget' }

let n = 0
async function generate(properties: Record<string, unknown>, pathXSync: object = {}) {
  const doc = {
    openapi: '3.1.0',
    info: { title: 'w', version: '1' },
    paths: {
      '/widgets': {
        'x-sync': { local_first: true, broadcast: { channel: 'widget' }, ...pathXSync },
        get: { operationId: 'list_widgets', responses: { '200': json({ type: 'array', items: ref }) } },
      },
      '/widgets/{id}': {
        get: {
          operationId: 'get_widget',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': json(ref) },
        },
      },
    },
    components: {
      schemas: {
        Widget: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, ...properties } },
      },
    },
  }
  const file = join(tmp, `doc-${n++}.json`)
  writeFileSync(file, JSON.stringify(doc, null, 2))
  const { model, files } = await generateFiles(file)
  return {
    versionField: model.entities.find((e) => e.name === 'widget')?.versionField,
    hooks: files.get('entities/widget.ts') ?? '',
  }
}

describe("an entity's version field", () => {
  it('is `version` when it is an integer or number, and the hooks pass the cache shape', async () => {
    for (const schema of [{ type: 'integer' }, { type: 'number' }, { type: ['integer', 'null'] }]) {
      const { versionField, hooks } = await generate({ version: schema })
      expect(versionField).toBe('version')
      expect(hooks).toContain(
        "widgetCache: EntityCacheShape = { root: 'widgets', idField: 'id', versionField: 'version' }",
      )
      expect(hooks.match(/cache: widgetCache/g)).toHaveLength(2) // the list and the detail hook
    }
  })

  it('is none for a `version` that is not a number (a release label), nor without one: hooks as before', async () => {
    for (const properties of [{ version: { type: 'string' } }, { revision: { type: 'integer' } }]) {
      const { versionField, hooks } = await generate(properties)
      expect(versionField).toBeUndefined()
      expect(hooks).toContain("widgetCache: EntityCacheShape = { root: 'widgets', idField: 'id' }")
      expect(hooks).not.toContain('cache: widgetCache')
    }
  })

  it('is what an x-sync version_field hint names, refused unless a numeric property', async () => {
    const hinted = await generate({ revision: { type: 'integer' } }, { version_field: 'revision' })
    expect(hinted.versionField).toBe('revision')
    expect(hinted.hooks).toContain("versionField: 'revision'")

    const notNumeric = await generate(
      { revision: { type: 'string' }, version: { type: 'integer' } },
      { version_field: 'revision' },
    ).catch((e: unknown) => e)
    expect(notNumeric).toBeInstanceOf(GeneratorError)
    expect((notNumeric as GeneratorError).message).toContain(
      'x-sync.version_field "revision" is not an integer or number property of Widget (its numeric properties: version)',
    )
    expect((notNumeric as GeneratorError).pointer).toBe('/paths/~1widgets/x-sync/version_field')
    const notName = await generate({ version: { type: 'integer' } }, { version_field: 3 }).catch(
      (e: unknown) => e,
    )
    expect((notName as GeneratorError).message).toContain('x-sync.version_field must be a property name')
  })
})
