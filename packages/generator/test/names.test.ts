import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { generateFiles } from '../src/generate.js'
import { GeneratorError } from '../src/generator-error.js'
import { singular } from '../src/naming.js'
import { importedNames } from '../src/type-names.js'
import { compileGenerated as compile } from './support/compile-generated.js'

// Documents whose paths and components would give two exports, or two files, one name; documents
// without `paths`; and invalid operations in lenient mode. Each output is compiled with tsc --strict
// (as spec-usage.test.ts does), so a name given twice fails here even where no assertion names it.

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../../..')
const work = join(repoRoot, 'node_modules/.cache/sync-patterns-names', String(process.pid))
afterAll(() => rmSync(work, { recursive: true, force: true }))

let count = 0
async function generateDoc(doc: object, options: { lenient?: boolean } = {}) {
  const dir = join(work, String(count++))
  mkdirSync(dir, { recursive: true })
  const input = join(dir, 'openapi.json')
  writeFileSync(input, JSON.stringify(doc, null, 2))
  const result = await generateFiles(input, dir, 'auto', options)
  const out = join(dir, 'generated')
  for (const [path, source] of result.files) {
    mkdirSync(dirname(join(out, path)), { recursive: true })
    writeFileSync(join(out, path), source)
  }
  return { ...result, out }
}

const json = (schema: object) => ({ content: { 'application/json': { schema } } })
const ok = (schema: object) => ({ responses: { '200': { description: 'ok', ...json(schema) } } })
const param = (name: string, type = 'string') => ({ name, in: 'path', required: true, schema: { type } })
const thing = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' }, name: { type: 'string' } },
}
const crud = (name: string) => ({
  [`/${name}`]: {
    get: ok({ type: 'array', items: thing }),
    post: { requestBody: { required: true, ...json(thing) }, ...ok(thing) },
  },
  [`/${name}/{id}`]: { parameters: [param('id')], get: ok(thing), delete: ok(thing) },
})

/** Every name `index.ts` exports, through its `export *` modules. */
function hookNames(files: Map<string, string>): string[] {
  return [...files.entries()]
    .filter(([path]) => path.startsWith('entities/') || path.startsWith('hooks/'))
    .flatMap(([, source]) => [...source.matchAll(/export function (use\w+)/g)].map((m) => m[1] ?? ''))
}

describe('file names of the generator cannot be taken by paths', () => {
  it('/config, /index, /runtime, /entities: the support files stay, the entities get other names, all compile', async () => {
    const doc = {
      openapi: '3.1.0',
      info: { title: 'Support names', version: '1' },
      paths: { ...crud('config'), ...crud('index'), ...crud('runtime'), ...crud('entities') },
    }
    const { files, out } = await generateDoc(doc)
    expect(files.get('client/config.ts')).toContain('export function configureClient')
    expect(files.get('runtime/index.ts')).toContain("export * from '@pattern-stack/sync-patterns/runtime'")
    for (const path of [
      'client/configResource.ts',
      'entities/configResource.ts',
      'hooks/useConfigResourceMutations.ts',
      'client/indexResource.ts',
      'entities/indexResource.ts',
      'client/runtime.ts',
      'entities/runtime.ts',
      'client/entities.ts', // `entityKeys` is the runtime's: the resource's name
    ])
      expect(files.has(path), path).toBe(true)
    expect(files.has('client/index.ts')).toBe(false)
    expect(files.get('client/configResource.ts')).toContain('export const configResourceApi')
    expect(hookNames(files)).toEqual(
      expect.arrayContaining([
        'useConfigList',
        'useConfig',
        'useCreateConfig',
        'useIndexList',
        'useRuntimeList',
        'useEntities',
        'useEntity',
      ]),
    )
    expect(compile(out)).toEqual([])
  })
})

describe('names the generated files import', () => {
  it('are all reserved: every name an emitter imports is in importedNames, so no export can take it', () => {
    const emitDir = join(here, '../src/emit')
    const imported = readdirSync(emitDir)
      .flatMap((f) => [
        ...readFileSync(join(emitDir, f), 'utf8').matchAll(/imports\.add\([^,]+, '([\w$]+)'/g),
      ])
      .map((m) => m[1])
    expect(imported.length).toBeGreaterThan(20)
    expect(imported.filter((name) => !importedNames.includes(name ?? ''))).toEqual([])
  })
})

describe('unique, deterministic names across the model', () => {
  const domain = {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string' }, host: { type: 'string' } },
  }
  const user = { type: 'object', required: ['login'], properties: { login: { type: 'string' } } }
  const message = {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string' }, text: { type: 'string' } },
  }
  const doc = {
    openapi: '3.1.0',
    info: { title: 'Names', version: '1' },
    paths: {
      // two entities, one hook name: useOrganizationDomains
      '/organization_domains': { get: ok({ type: 'array', items: domain }) },
      '/organizations/{id}': {
        parameters: [param('id')],
        get: ok({
          type: 'object',
          properties: { id: { type: 'string' }, domains: { type: 'array', items: domain } },
        }),
      },
      '/organizations/{id}/domains': { parameters: [param('id')], get: ok({ type: 'array', items: domain }) },
      // GitHub: /user and /users/{username} → useUser
      '/user': { get: { operationId: 'users/get-authenticated', ...ok(user) } },
      '/users': { get: { operationId: 'users/list', ...ok({ type: 'array', items: user }) } },
      '/users/{username}': {
        get: { operationId: 'users/get-by-username', parameters: [param('username')], ...ok(user) },
      },
      // opencode: one entity, one hook name: useSessionMessage
      '/session/{id}/message': { parameters: [param('id')], get: ok({ type: 'array', items: message }) },
      '/session/{id}/message/{messageID}': {
        parameters: [param('id'), param('messageID')],
        get: ok(message),
      },
      // a hook named like React Query's useQuery, which the entity file imports
      '/query': { get: ok({ type: 'object', properties: { q: { type: 'string' } } }) },
      // components whose names collide: with each other (PascalCase), with the runtime's ApiError
      '/lines': { get: ok({ type: 'array', items: { $ref: '#/components/schemas/order_item' } }) },
      '/carts/{id}': { parameters: [param('id')], get: ok({ $ref: '#/components/schemas/OrderItem' }) },
      '/status': { get: ok({ $ref: '#/components/schemas/ApiError' }) },
    },
    components: {
      schemas: {
        order_item: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } },
        OrderItem: { type: 'object', required: ['quantity'], properties: { quantity: { type: 'integer' } } },
        ApiError: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
      },
    },
  }

  it('each hook, type and file gets its own name by the documented rule, and the output compiles', async () => {
    const { files, out, model } = await generateDoc(doc)
    const hooks = hookNames(files)
    expect(new Set(hooks).size).toBe(hooks.length)
    const hookOf = (method: string, path: string) =>
      model.entities.flatMap((e) => e.operations).find((op) => op.method === method && op.path === path)
        ?.hookName
    // the first in the model (entities by resource, operations in document order) keeps the name
    expect(hookOf('get', '/organization_domains')).toBe('useOrganizationDomains')
    expect(hookOf('get', '/organizations/{id}/domains')).toBe('useOrganizationDomainsById') // suffix from the path
    expect(hookOf('get', '/user')).toBe('useUser')
    expect(hookOf('get', '/users/{username}')).toBe('useUsersGetByUsername') // its operationId
    expect(hookOf('get', '/users')).toBe('useUsers')
    expect(hookOf('get', '/session/{id}/message')).toBe('useSessionMessage')
    expect(hookOf('get', '/session/{id}/message/{messageID}')).toBe('useSessionMessageByMessageId')
    expect(hookOf('get', '/query')).toBe('useQuery2') // no operationId, no path parameter: a counter
    const types = model.aliases.map((a) => `${a.name} = ${a.expression}`)
    expect(types).toEqual(
      expect.arrayContaining([
        "OrderItem = components['schemas']['OrderItem']", // /carts comes before /lines
        "OrderItem2 = components['schemas']['order_item']",
        "ApiError2 = components['schemas']['ApiError']",
      ]),
    )
    expect(compile(out)).toEqual([])
  })

  it('the same document gives the same names on every run', async () => {
    const first = await generateDoc(doc)
    const second = await generateDoc(doc)
    expect([...second.files.keys()]).toEqual([...first.files.keys()])
    expect(hookNames(second.files)).toEqual(hookNames(first.files))
  })
})

describe('documents without paths (OpenAPI 3.1): types only, no hooks', () => {
  const components = { schemas: { Pet: thing } }
  it.each([
    ['components only', { components }],
    [
      'webhooks only',
      {
        webhooks: {
          newPet: {
            post: {
              requestBody: json({ $ref: '#/components/schemas/Pet' }),
              responses: { '200': { description: 'ok' } },
            },
          },
        },
        components,
      },
    ],
  ])('%s', async (_, rest) => {
    const { files, out, model } = await generateDoc({
      openapi: '3.1.0',
      info: { title: 'No paths', version: '1' },
      ...rest,
    })
    expect(model.entities).toEqual([])
    expect(files.get('schemas/openapi.ts')).toContain('Pet: {')
    expect([...files.keys()].filter((f) => /^(client\/(?!config)|entities|hooks)/.test(f))).toEqual([])
    expect(compile(out)).toEqual([])
  })

  it('`paths` that is not an object is still refused, with its pointer', async () => {
    await expect(
      generateDoc({ openapi: '3.1.0', info: { title: 'x', version: '1' }, paths: [] }),
    ).rejects.toThrow(/at \/paths: `paths` must be an object/)
  })
})

describe('invalid operations: refused with a pointer, or skipped with a warning in lenient mode', () => {
  const doc = {
    openapi: '3.1.0',
    info: { title: 'Partly invalid', version: '1' },
    paths: {
      '/threads': {
        'x-sync': { local_first: true, broadcast: { channel: 'thread' } },
        get: ok({ type: 'array', items: thing }),
        post: { requestBody: { required: true, ...json(thing) }, ...ok(thing) },
      },
      '/threads/{thread_id}': { parameters: [param('thread_id')], get: ok(thing), delete: ok(thing) },
      // OpenAI's one undeclared path parameter in 162 operations
      '/threads/{thread_id}/runs/{run_id}': { parameters: [param('thread_id')], get: ok(thing) },
      // a parameter without a name
      '/files': {
        get: {
          parameters: [{ in: 'query', schema: { type: 'string' } }],
          ...ok({ type: 'array', items: thing }),
        },
      },
      // a malformed x-sync hint
      '/threads/{thread_id}/archive': {
        parameters: [param('thread_id')],
        post: { 'x-sync': { optimistic: 'sideways' }, ...ok(thing) },
      },
    },
  }

  it('without lenient: the first problem refuses the document, naming the file, line and JSON pointer', async () => {
    const refused = generateDoc(doc)
    await expect(refused).rejects.toBeInstanceOf(GeneratorError)
    await expect(refused).rejects.toThrow(
      /openapi\.json:\d+ at \/paths\/~1files\/get\/parameters: a parameter needs a string `name`/,
    )
    const { '/files': _, ...paths } = doc.paths
    await expect(generateDoc({ ...doc, paths })).rejects.toThrow(
      /openapi\.json:\d+ at \/paths\/~1threads~1\{thread_id\}~1runs~1\{run_id\}\/get: path parameter \{run_id\} is not declared/,
    )
  })

  it('lenient: each invalid operation is skipped with a warning (method, path, pointer, problem); the rest generates and compiles', async () => {
    const { warnings, model, out } = await generateDoc(doc, { lenient: true })
    expect(warnings).toHaveLength(3)
    expect(warnings[1]).toMatch(
      /^skipped GET \/threads\/\{thread_id\}\/runs\/\{run_id\}: .*openapi\.json:\d+ at \/paths\/~1threads~1\{thread_id\}~1runs~1\{run_id\}\/get: path parameter \{run_id\} is not declared in parameters$/,
    )
    expect(warnings[0]).toMatch(
      /^skipped GET \/files: .* at \/paths\/~1files\/get\/parameters: a parameter needs a string `name`/,
    )
    expect(warnings[2]).toMatch(
      /^skipped POST \/threads\/\{thread_id\}\/archive: .* at \/paths\/~1threads~1\{thread_id\}~1archive\/post\/x-sync\/optimistic: x-sync.optimistic must be/,
    )
    const generated = model.entities.flatMap((e) => e.operations.map((op) => `${op.method} ${op.path}`))
    expect(generated).toEqual([
      'get /threads',
      'post /threads',
      'get /threads/{thread_id}',
      'delete /threads/{thread_id}',
    ])
    expect(model.aliases.map((a) => a.name).filter((n) => /Run|Archive/.test(n))).toEqual([]) // nothing left behind
    expect(compile(out)).toEqual([])
  })

  it('a valid document gives no warnings in lenient mode and the same output', async () => {
    const valid = {
      ...doc,
      paths: { '/threads': doc.paths['/threads'], '/threads/{thread_id}': doc.paths['/threads/{thread_id}'] },
    }
    const strict = await generateDoc(valid)
    const lenient = await generateDoc(valid, { lenient: true })
    expect(lenient.warnings).toEqual([])
    expect([...lenient.files.entries()]).toEqual([...strict.files.entries()])
  })
})

describe('parameters as OpenAPI combines them', () => {
  it("an operation's parameter replaces its path item's of the same name and location; a name used twice in a path is one argument", async () => {
    const doc = {
      openapi: '3.0.3',
      info: { title: 'Parameters', version: '1' },
      paths: {
        '/things/{id}/override': {
          parameters: [param('id', 'integer'), { name: 'q', in: 'query', schema: { type: 'integer' } }],
          get: {
            parameters: [param('id', 'string'), { name: 'q', in: 'query', schema: { type: 'string' } }],
            ...ok(thing),
          },
        },
        '/things/{id}/copies/{id}': { parameters: [param('id')], get: ok(thing) },
      },
    }
    const { model, out } = await generateDoc(doc)
    const [override, twice] = model.entities.flatMap((e) => e.operations)
    expect(override?.pathParams.map((p) => `${p.id}: ${p.tsType}`)).toEqual(['id: string'])
    expect(override?.queryParams.map((p) => p.name)).toEqual(['q'])
    expect(twice?.pathParams.map((p) => p.id)).toEqual(['id'])
    expect(compile(out)).toEqual([])
  })
})

describe('entity names: the singular of the resource', () => {
  it('reads as a person would write it, for the resource names real documents have', () => {
    const names = Object.fromEntries(
      [
        'orders',
        'categories',
        'sizes',
        'statuses',
        'addresses',
        'aliases',
        'analyses',
        'boxes',
        'people',
        'order_items',
        'OrderItems',
        'kubernetes',
        'dns',
        'aws',
        'data',
        'series',
        'news',
        'caches',
        'cookies',
        'apps',
        'vpcs',
        'ips',
        'status',
        'address',
      ].map((w) => [w, singular(w)]),
    )
    expect(names).toEqual({
      orders: 'order',
      categories: 'category',
      sizes: 'size',
      statuses: 'status',
      addresses: 'address',
      aliases: 'alias',
      analyses: 'analysis',
      boxes: 'box',
      people: 'person',
      order_items: 'order_item',
      OrderItems: 'OrderItem',
      kubernetes: 'kubernetes',
      dns: 'dns',
      aws: 'aws',
      data: 'data',
      series: 'series',
      news: 'news',
      caches: 'cache',
      cookies: 'cookie',
      apps: 'app',
      vpcs: 'vpc',
      ips: 'ip',
      status: 'status',
      address: 'address',
    })
  })
})

describe('actions (a write to a sub-path of one entity)', () => {
  const write = (method: string, operationId?: string) => ({
    [method]: { ...(operationId ? { operationId } : {}), ...ok(thing) },
  })
  const doc = {
    openapi: '3.1.0',
    info: { title: 'Actions', version: '1' },
    paths: {
      ...crud('users'),
      '/users/{id}/mfa': { parameters: [param('id')], ...write('delete') },
      '/users/{id}/profile_image': { parameters: [param('id')], ...write('put') },
      '/users/{id}/backup_code': { parameters: [param('id')], ...write('delete', 'DeleteBackupCode') },
      ...crud('companies'),
      '/companies/{companyId}/terminalLogos': {
        parameters: [param('companyId')],
        ...write('patch', 'patch-companies-companyId-terminalLogos'),
      },
      ...crud('sessions'),
      '/sessions/{sessionID}/abort': { parameters: [param('sessionID')], ...write('post', 'sessions.abort') },
      ...crud('orders'),
      '/orders/{id}/transition': { parameters: [param('id')], ...write('post', 'transitionOrder') },
    },
  }

  it('read as a person names them: verb, entity, part; the author id when a person wrote it', async () => {
    const { model, out } = await generateDoc(doc)
    const names = Object.fromEntries(
      model.entities
        .flatMap((e) => e.operations)
        .filter((op) => op.role === 'action')
        .map((op) => [`${op.method.toUpperCase()} ${op.path}`, `${op.clientName} ${op.hookName}`]),
    )
    expect(names).toEqual({
      'DELETE /users/{id}/mfa': 'deleteMfa useDeleteUserMfa',
      'PUT /users/{id}/profile_image': 'updateProfileImage useUpdateUserProfileImage',
      'DELETE /users/{id}/backup_code': 'deleteBackupCode useDeleteBackupCode',
      'PATCH /companies/{companyId}/terminalLogos': 'updateTerminalLogos useUpdateCompanyTerminalLogos',
      'POST /sessions/{sessionID}/abort': 'abort useAbortSession',
      'POST /orders/{id}/transition': 'transition useTransitionOrder',
    })
    expect(compile(out)).toEqual([])
  })
})
