// @vitest-environment happy-dom

import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getSyncClient } from '@pattern-stack/sync-patterns/runtime/core'
import {
  type QueryClient,
  QueryClientProvider,
  QueryClient as TanStackQueryClient,
} from '@tanstack/react-query'
import { renderHook, waitFor } from '@testing-library/react'
import Ajv from 'ajv'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { sample } from 'openapi-sampler'
import type { ReactNode } from 'react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Entity, Operation } from '../src/index.js'
import { generateFiles, loadSpec } from '../src/index.js'
import { SNAPSHOT_FIXTURES as FIXTURES } from './fixtures/snapshot-fixtures.js'

// Invariant 7: every row a generated hook writes into the cache satisfies the entity's schema.
// Each fixture's committed hooks run against a real server that holds every request, so their
// optimistic rows stay in the cache; Ajv then checks every row of the entity's cached queries
// against the schema of the entity in the document.

const here = dirname(fileURLToPath(import.meta.url))
const CHECKED = new Set(['create', 'update', 'add-child', 'update-child'])

type Row = Record<string, unknown>
type Doc = Record<string, unknown>

/** A server that accepts every request and never answers it (until the suite ends). */
let server: Server
const held: ServerResponse[] = []
let baseUrl: string
beforeAll(async () => {
  server = createServer((_request, response) => held.push(response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  for (const response of held) response.writeHead(503).end()
  await new Promise((resolve) => server.close(resolve))
})

const pointer = (...segments: string[]) =>
  `#/${segments.map((s) => s.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`

/** JSON pointer of the entity's schema: its detail response, else its list's item. */
function entityPointer(doc: Doc, entity: Entity): string {
  const detail =
    entity.operations.find((op) => op.role === 'get') ?? entity.operations.find((op) => op.role === 'list')
  if (!detail) throw new Error(`${entity.name}: no detail or list operation to take the schema from`)
  const responses = (doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)[
    detail.path
  ]?.[detail.method]?.responses as Record<string, { content: Record<string, unknown> }>
  const status = Object.keys(responses).find((code) => /^2/.test(code)) as string
  const media = Object.keys(responses[status]?.content ?? {}).find((m) => /json/.test(m)) as string
  const base = pointer('paths', detail.path, detail.method, 'responses', status, 'content', media, 'schema')
  if (detail.role === 'get') return entity.detailField ? `${base}/properties/${entity.detailField}` : base
  if (!entity.listField) return `${base}/items`
  return `${base}/${entity.listField
    .split('.')
    .map((f) => `properties/${f}`)
    .join('/')}/items`
}

/** The rows of list data: a bare array, or the array at the entity's `listField` (`data.items`). */
function listRows(data: unknown, entity: Entity): Row[] | undefined {
  if (Array.isArray(data)) return data as Row[]
  if (!entity.listField) return undefined
  const rows = entity.listField.split('.').reduce<unknown>((node, f) => (node as Row | undefined)?.[f], data)
  return Array.isArray(rows) ? (rows as Row[]) : undefined
}

/** List data holding `rows` in the entity's shape: `[...]`, `{ items: [...] }`, `{ data: { items: [...] } }`. */
function listData(entity: Entity, rows: Row[]): unknown {
  return (entity.listField?.split('.') ?? []).reduceRight<unknown>((inner, f) => ({ [f]: inner }), rows)
}

function bodyPointer(op: Operation): string {
  if (!op.body) throw new Error(`${op.hookName} has no body`)
  return pointer('paths', op.path, op.method, 'requestBody', 'content', op.body.mediaType, 'schema')
}

function resolve(doc: Doc, ref: string): unknown {
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], doc)
}

/** The rows of every cached query of the entity (list entries and details). */
function cachedRows(client: QueryClient, entity: Entity): Row[] {
  const rows: Row[] = []
  for (const query of client.getQueryCache().findAll({ queryKey: [entity.root] })) {
    const data = query.state.data as unknown
    const list = listRows(data, entity)
    if (list) rows.push(...list)
    else if (data && entity.detailField) rows.push((data as Row)[entity.detailField] as Row)
    else if (data) rows.push(data as Row)
  }
  return rows
}

for (const [fixture, file] of Object.entries(FIXTURES)) {
  describe(`${fixture}: optimistic rows of every generated hook satisfy the entity's schema`, async () => {
    const { document: doc } = await loadSpec(join(here, 'fixtures', file))
    const { model } = await generateFiles(join(here, 'fixtures', file))
    const is31 = String(doc.openapi).startsWith('3.1')
    const ajv = is31
      ? new Ajv2020({ strict: false, allErrors: true })
      : new Ajv({ strict: false, allErrors: true })
    addFormats(ajv)
    ajv.addSchema(doc as object, 'doc')
    const config = await import(`./__generated__/${fixture}/client/config.ts`)

    const cases = model.entities.flatMap((entity) =>
      entity.operations.filter((op) => CHECKED.has(op.optimistic)).map((op) => ({ entity, op })),
    )
    it('has optimistic hooks to check', () => expect(cases.length).toBeGreaterThan(0))

    for (const { entity, op } of cases) {
      for (const bodies of ['required fields only', 'every field'] as const) {
        it(`${op.hookName} (${op.optimistic}), body with ${bodies}`, async () => {
          config.configureClient({ baseUrl })
          const validate = ajv.getSchema(`doc${entityPointer(doc, entity)}`)
          if (!validate) throw new Error(`no schema for ${entity.name}`)
          const check = (row: Row, what: string) =>
            expect(validate(row), `${what}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(row)}`).toBe(
              true,
            )

          // A valid row in the cache, as the server would have sent it.
          const seed = sample(resolve(doc, entityPointer(doc, entity)) as object, {}, doc) as Row
          check(seed, 'the seed row')
          const id = seed[entity.idField]
          const client = new TanStackQueryClient({ defaultOptions: { queries: { staleTime: Infinity } } })
          client.setQueryData([entity.root], listData(entity, [seed]))
          client.setQueryData([entity.root, id], entity.detailField ? { [entity.detailField]: seed } : seed)

          const body = sample(
            resolve(doc, bodyPointer(op)) as object,
            { skipNonRequired: bodies === 'required fields only', skipReadOnly: true },
            doc,
          ) as Row
          // The sampler gives every uuid one value: a new row needs an id of its own.
          if (typeof body.id === 'string') body.id = crypto.randomUUID()
          const hooks = await import(`./__generated__/${fixture}/hooks/use${entity.pascal}Mutations.ts`)
          const isChild = op.optimistic.endsWith('child')
          const children = isChild && op.childField ? (seed[op.childField] as Row[]) : []
          const wrapper = ({ children: tree }: { children: ReactNode }) => (
            <QueryClientProvider client={client}>{tree}</QueryClientProvider>
          )
          const { result } = renderHook(() => (isChild ? hooks[op.hookName](id) : hooks[op.hookName]()), {
            wrapper,
          })
          const variables =
            op.optimistic === 'create' || op.optimistic === 'add-child'
              ? body
              : { id: op.optimistic === 'update' ? id : (children[0]?.id as unknown), data: body }
          result.current.mutate(variables)
          await waitFor(() => expect(getSyncClient(client).optimistic.pendingCount).toBe(1))

          const rows = cachedRows(client, entity)
          for (const row of rows) check(row, `a cached ${entity.name} after ${op.hookName}`)
          // The change is there to see: a created row joined the list, a child its parent.
          if (op.optimistic === 'create') expect(rows.length).toBeGreaterThan(2)
          if (op.optimistic === 'add-child' && op.childField)
            expect(
              cachedRows(client, entity).find((row) => row[entity.idField] === id)?.[op.childField],
            ).toHaveLength(children.length + 1)
          client.clear()
        })
      }
    }
  })
}
