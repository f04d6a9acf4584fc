import type {
  ApiModel,
  Body,
  Entity,
  HttpMethod,
  Operation,
  OperationRole,
  OptimisticKind,
  Param,
  SyncConfig,
  TypeAlias,
} from './model.js'
import { camelCase, identifier, pascalCase, singular, typeName } from './naming.js'
import { parentLink, rowRecipe, sharedFields } from './optimistic-rows.js'
import { fail, type Locator, readOptimisticHint, readPathSync } from './read-x-sync.js'
import {
  arrayItems,
  componentName,
  deref,
  isNumericSchema,
  isObject,
  type Json,
  objectProperties,
  withoutNull,
} from './schema-utils.js'
import { stringLiteral } from './string-literal.js'

const methods: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete']
const jsonMedia = /^application\/(.+\+)?json/

interface RawOperation {
  method: HttpMethod
  path: string
  node: Json
  params: Json[]
  resource: string
  /** Segments after the resource segment; `{x}` marks a parameter. */
  rest: string[]
  sync: SyncConfig | undefined
}

/** Checks the document's shape and turns it into entities with classified, named operations. */
export function normalize(doc: Json, locator: Locator): ApiModel {
  const version = doc.openapi
  if (typeof version !== 'string' || !/^3\.[01]\./.test(version)) {
    if (typeof doc.swagger === 'string')
      fail('OpenAPI 2.0 (swagger) is not supported; convert it to 3.x', ['swagger'], locator)
    fail('not an OpenAPI 3.0 or 3.1 document: `openapi` must be "3.0.x" or "3.1.x"', ['openapi'], locator)
  }
  const info = isObject(doc.info) ? doc.info : {}
  if (!isObject(doc.paths)) fail('the document has no `paths` object', ['paths'], locator)
  const paths = doc.paths as Json

  const pathSync = new Map<string, SyncConfig>()
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) fail('a path item must be an object', ['paths', path], locator)
    // The generated code quotes paths (and the cache keys taken from them) as string literals.
    if (/['"`\\\s]/.test(path))
      fail(
        `a path may not contain quotes, backslashes or whitespace: ${JSON.stringify(path)}`,
        ['paths', path],
        locator,
      )
    if (item['x-sync'] !== undefined)
      pathSync.set(path, readPathSync(item['x-sync'], ['paths', path, 'x-sync'], locator))
  }

  const raws: RawOperation[] = []
  const operationIds = new Map<string, string>()
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = deref(doc, rawItem) as Json
    const { resource, rest } = splitPath(path)
    for (const method of methods) {
      const node = item[method]
      if (node === undefined) continue
      if (!isObject(node)) fail(`the ${method} operation must be an object`, ['paths', path, method], locator)
      const params = [...paramsOf(doc, item.parameters), ...paramsOf(doc, node.parameters)]
      const merged = new Map(params.map((p) => [`${p.in}:${p.name}`, p]))
      for (const p of merged.values()) {
        if (typeof p.name !== 'string' || typeof p.in !== 'string') {
          fail('a parameter needs a string `name` and `in`', ['paths', path, method, 'parameters'], locator)
        }
      }
      if (typeof node.operationId === 'string') {
        const first = operationIds.get(node.operationId)
        if (first)
          fail(
            `operationId "${node.operationId}" is also used by ${first}`,
            ['paths', path, method, 'operationId'],
            locator,
          )
        operationIds.set(node.operationId, `${method.toUpperCase()} ${path}`)
      }
      raws.push({
        method,
        path,
        node,
        params: [...merged.values()],
        resource,
        rest,
        sync: syncFor(path, pathSync),
      })
    }
  }

  const byResource = new Map<string, RawOperation[]>()
  for (const raw of raws) byResource.set(raw.resource, [...(byResource.get(raw.resource) ?? []), raw])

  const aliases = new Map<string, TypeAlias>()
  const entities = [...byResource.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([resource, ops]) => buildEntity(doc, resource, ops, aliases, locator))
  mergeSameNamedEntities(entities)

  return {
    title: typeof info.title === 'string' ? info.title : 'API',
    version: typeof info.version === 'string' ? info.version : '',
    entities,
    aliases: [...aliases.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
  }
}

/** `/api/v1/orders/{order_id}/items` → resource `orders`, rest `['{order_id}', 'items']`. */
export function splitPath(path: string): { resource: string; rest: string[] } {
  const segments = path.split('/').filter(Boolean)
  let i = 0
  while (i < segments.length - 1 && /^(api|v\d+(\.\d+)*)$/i.test(segments[i] ?? '')) i++
  const first = segments[i]
  if (first === undefined) return { resource: 'root', rest: [] }
  if (isParam(first)) return { resource: 'root', rest: segments.slice(i) }
  return { resource: first, rest: segments.slice(i + 1) }
}

const isParam = (segment: string | undefined) => segment !== undefined && /^\{.+\}$/.test(segment)

/** x-sync applies to its own path and every path below it (`/orders` covers `/orders/{id}/items`). */
function syncFor(path: string, pathSync: Map<string, SyncConfig>): SyncConfig | undefined {
  let best: [string, SyncConfig] | undefined
  for (const [base, sync] of pathSync) {
    const covers = path === base || path.startsWith(base.endsWith('/') ? base : `${base}/`)
    if (covers && (!best || base.length > best[0].length)) best = [base, sync]
  }
  return best?.[1]
}

function paramsOf(doc: Json, list: unknown): Json[] {
  return Array.isArray(list) ? list.map((p) => deref(doc, p)).filter(isObject) : []
}

function buildEntity(
  doc: Json,
  resource: string,
  raws: RawOperation[],
  aliases: Map<string, TypeAlias>,
  locator: Locator,
): Entity {
  const sync = raws.find((r) => r.sync)?.sync
  const base = resource === 'root' ? 'root' : singular(resource)
  const name = camelCase(base) || 'root'
  const pascal = pascalCase(base) || 'Root'
  const pluralPascal = pascalCase(resource)
  const entity: Entity = {
    name,
    pascal,
    pascalPlural: pluralPascal !== pascal ? pluralPascal : `${pascal}List`,
    root: camelCase(resource) || 'root',
    type: undefined,
    idField: 'id',
    listField: undefined,
    sync,
    operations: [],
  }
  const childCollections = new Set(
    raws.filter((r) => r.rest.length === 3 && isParam(r.rest[0]) && isParam(r.rest[2])).map((r) => r.rest[1]),
  )
  const find = (method: HttpMethod, shape: (rest: string[]) => boolean) =>
    raws.find((r) => r.method === method && shape(r.rest))
  const detail = find('get', (rest) => rest.length === 1 && isParam(rest[0]))
  const list = find('get', (rest) => rest.length === 0)
  const hasPatch = raws.some((r) => r.method === 'patch' && r.rest.length === 1 && isParam(r.rest[0]))

  // The entity schema: the detail response, else the list's item schema.
  const detailSchema = detail && successSchema(doc, detail.node)
  const listSchema = list && successSchema(doc, list.node)
  let entitySchema: unknown = detailSchema && withoutNull(detailSchema.schema)
  if (listSchema) {
    const items = arrayItems(doc, listSchema.schema)
    if (items !== undefined) entitySchema ??= items
    else {
      for (const [prop, { schema }] of objectProperties(doc, listSchema.schema)) {
        const envelopeItems = arrayItems(doc, schema)
        if (envelopeItems !== undefined && (!entitySchema || sameSchema(doc, envelopeItems, entitySchema))) {
          entity.listField = prop
          entitySchema ??= envelopeItems
          break
        }
      }
    }
  }
  const listIsCollection =
    listSchema !== undefined &&
    (arrayItems(doc, listSchema.schema) !== undefined || entity.listField !== undefined)
  const entityProps = entitySchema ? objectProperties(doc, entitySchema) : new Map()
  if (!entityProps.has('id')) {
    const alt = [`${name}_id`, `${name}Id`].find((k) => entityProps.has(k))
    if (alt) entity.idField = alt
  }
  if (entitySchema) entity.type = typeOf(entitySchema, `${pascal}`, entity.name, aliases, undefined)

  const usedClientNames = new Set<string>()
  const usedHookNames = new Set<string>()
  for (const raw of raws) {
    const role = classify(
      raw,
      detail !== undefined,
      hasPatch,
      childCollections,
      entityProps,
      listIsCollection,
    )
    let names = nameOperation(raw, role, entity)
    if (usedClientNames.has(names.clientName) || usedHookNames.has(names.hookName)) {
      const fallback = camelCase(cleanOperationId(raw) ?? '') || camelCase(`${raw.method} ${raw.path}`)
      names = { clientName: fallback, hookName: `use${pascalCase(fallback)}`, typeBase: pascalCase(fallback) }
    }
    usedClientNames.add(names.clientName)
    usedHookNames.add(names.hookName)
    const operation = buildOperation(doc, raw, role, names, entity, entityProps, aliases, locator)
    describeOptimisticRows(doc, raw, operation, entity, entitySchema, aliases, locator)
    entity.operations.push(operation)
  }
  return entity
}

function classify(
  raw: RawOperation,
  hasDetail: boolean,
  hasPatch: boolean,
  childCollections: Set<string | undefined>,
  entityProps: Map<string, unknown>,
  listIsCollection: boolean,
): OperationRole {
  const { method, rest } = raw
  if (raw.resource === 'root') return method === 'get' ? 'query' : 'mutation'
  if (rest.length === 0) {
    if (method === 'get') return listIsCollection ? 'list' : 'query'
    if (method === 'post') return 'create'
    return 'mutation'
  }
  if (!isParam(rest[0])) return method === 'get' ? 'query' : 'mutation'
  if (rest.length === 1) {
    if (method === 'get') return 'get'
    if (method === 'patch') return 'update'
    if (method === 'put') return hasPatch ? 'replace' : 'update'
    if (method === 'delete') return 'delete'
    return 'mutation'
  }
  const sub = rest[1] ?? ''
  if (isParam(sub)) return method === 'get' ? 'query' : 'mutation'
  const isCollection = childCollections.has(sub) || entityProps.has(sub) || entityProps.has(camelCase(sub))
  if (rest.length === 2) {
    if (method === 'get') return isCollection ? 'child-list' : 'query'
    if (method === 'post' && isCollection) return 'child-add'
    return hasDetail || method !== 'delete' ? 'action' : 'mutation'
  }
  if (rest.length === 3 && isParam(rest[2])) {
    if (method === 'get') return 'child-get'
    if (method === 'delete') return 'child-remove'
    if (method === 'patch' || method === 'put') return 'child-update'
  }
  return method === 'get' ? 'query' : 'mutation'
}

interface Names {
  clientName: string
  hookName: string
  typeBase: string
}

function nameOperation(raw: RawOperation, role: OperationRole, entity: Entity): Names {
  const sub = raw.rest[1] ?? ''
  const child = pascalCase(singular(sub))
  const subPascal = pascalCase(sub)
  const { pascal } = entity
  const make = (clientName: string, hook: string): Names => ({
    clientName,
    hookName: `use${hook}`,
    typeBase: hook,
  })
  switch (role) {
    case 'list':
      return make('list', entity.pascalPlural)
    case 'get':
      return make('get', pascal)
    case 'create':
      return make('create', `Create${pascal}`)
    case 'update':
      return make('update', `Update${pascal}`)
    case 'replace':
      return make('replace', `Replace${pascal}`)
    case 'delete':
      return make('delete', `Delete${pascal}`)
    case 'child-list':
      return make(`list${subPascal}`, `${pascal}${subPascal}`)
    case 'child-get':
      return make(`get${child}`, `${pascal}${child}`)
    case 'child-add':
      return make(`add${child}`, `Add${pascal}${child}`)
    case 'child-update':
      return make(`update${child}`, `Update${pascal}${child}`)
    case 'child-remove':
      return make(`remove${child}`, `Remove${pascal}${child}`)
    case 'action':
      return make(camelCase(sub), `${subPascal}${pascal}`)
    default: {
      if (role === 'query' && raw.rest.length === 0 && raw.resource !== 'root') {
        return make('get', pascalCase(raw.resource))
      }
      const fromId = cleanOperationId(raw)
      if (fromId) return make(camelCase(fromId), pascalCase(fromId))
      const words = raw.rest.filter((s) => !isParam(s)).join(' ')
      const verb = raw.method === 'get' ? 'get' : raw.method
      return make(camelCase(`${verb} ${entity.name} ${words}`), pascalCase(`${verb} ${entity.name} ${words}`))
    }
  }
}

/** FastAPI's `add_item_orders__order_id__items_post` → `add_item` (its function name). */
export function cleanOperationId(raw: { method: string; path: string; node: Json }): string | undefined {
  const id = raw.node.operationId
  if (typeof id !== 'string' || id === '') return undefined
  const suffix = `${raw.path.replace(/\W/g, '_')}_${raw.method}`
  return id.endsWith(suffix) && id.length > suffix.length ? id.slice(0, -suffix.length) : id
}

function successSchema(
  doc: Json,
  node: Json,
): { status: string; media: string; schema: unknown } | undefined {
  const responses = isObject(node.responses) ? node.responses : {}
  const codes = Object.keys(responses)
    .filter((c) => /^2\d\d$|^2XX$/i.test(c))
    .sort()
  for (const status of codes) {
    const response = deref(doc, responses[status])
    const content = isObject(response) && isObject(response.content) ? response.content : undefined
    const media = content && Object.keys(content).find((m) => jsonMedia.test(m))
    if (content && media) {
      const mediaObject = content[media]
      return { status, media, schema: isObject(mediaObject) ? mediaObject.schema : undefined }
    }
  }
  return undefined
}

function sameSchema(doc: Json, a: unknown, b: unknown): boolean {
  return (
    deref(doc, a) === deref(doc, b) ||
    (componentName(a) !== undefined && componentName(a) === componentName(b))
  )
}

/**
 * A type name for a schema: the component's own name when it is a `$ref` (or an array of / a
 * nullable `$ref`), otherwise `fallback` declared as an alias of `expression`.
 */
function typeOf(
  schema: unknown,
  fallback: string,
  owner: string,
  aliases: Map<string, TypeAlias>,
  expression: string | undefined,
): string | undefined {
  const named = (node: unknown) => {
    const component = componentName(node)
    if (!component) return undefined
    const name = typeName(component)
    if (!aliases.has(name)) {
      aliases.set(name, { name, owner, expression: `components['schemas'][${stringLiteral(component)}]` })
    }
    return name
  }
  const direct = named(schema)
  if (direct) return direct
  const inner = withoutNull(schema)
  if (inner !== schema && named(inner)) return `${named(inner)} | null`
  const items = isObject(schema) && (schema.type === 'array' || schema.items) ? schema.items : undefined
  if (items && named(items)) return `${named(items)}[]`
  if (expression === undefined) return undefined
  let name = fallback
  for (let n = 2; aliases.has(name) && aliases.get(name)?.expression !== expression; n++)
    name = `${fallback}${n}`
  aliases.set(name, { name, owner, expression })
  return name
}

/** Headers the runtime sets on every request that needs them (apiRequest). */
const runtimeHeaders = new Set(['idempotency-key', 'x-broadcast-origin'])

function buildOperation(
  doc: Json,
  raw: RawOperation,
  role: OperationRole,
  names: Names,
  entity: Entity,
  entityProps: Map<string, { schema: unknown; required: boolean }>,
  aliases: Map<string, TypeAlias>,
  locator: Locator,
): Operation {
  const pointer = ['paths', raw.path, raw.method]
  const op = `paths[${stringLiteral(raw.path)}][${stringLiteral(raw.method)}]`
  const toParam = (p: Json): Param => ({
    name: String(p.name),
    id: identifier(String(p.name)),
    required: p.in === 'path' || p.required === true,
    tsType: isNumericSchema(doc, p.schema) ? 'number' : 'string',
  })
  const pathOrder = [...raw.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])
  const pathParams = pathOrder.map((name) => {
    const declared = raw.params.find((p) => p.in === 'path' && p.name === name)
    if (!declared) fail(`path parameter {${name}} is not declared in parameters`, pointer, locator)
    return toParam(declared)
  })
  const queryParams = raw.params.filter((p) => p.in === 'query').map(toParam)
  /** The alias of one location's parameters object, such as `ListOrdersParams`, when it has any. */
  const parametersType = (location: 'query' | 'header', suffix: string, count: number) =>
    count > 0
      ? typeOf(
          undefined,
          `${names.typeBase}${suffix}`,
          entity.name,
          aliases,
          `NonNullable<${op}['parameters'][${stringLiteral(location)}]>`,
        )
      : undefined
  const queryType = parametersType('query', 'Params', queryParams.length)
  // Header parameters the runtime does not send itself are typed in the client's `options.headers`.
  const headerParams = raw.params.filter(
    (p) => p.in === 'header' && !runtimeHeaders.has(String(p.name).toLowerCase()),
  )
  const headersType = parametersType('header', 'Headers', headerParams.length)

  let body: Body | undefined
  const requestBody = deref(doc, raw.node.requestBody)
  if (isObject(requestBody)) {
    const content = isObject(requestBody.content) ? requestBody.content : {}
    const media = Object.keys(content).find((m) => jsonMedia.test(m))
    if (media) {
      const schema = isObject(content[media]) ? (content[media] as Json).schema : undefined
      const expression = `NonNullable<${op}['requestBody']>['content'][${stringLiteral(media)}]`
      const type = typeOf(schema, `${names.typeBase}Body`, entity.name, aliases, expression) ?? 'unknown'
      const props = objectProperties(doc, schema)
      body = {
        type,
        required: requestBody.required === true,
        mediaType: media,
        properties: props.size ? [...props.keys()] : undefined,
      }
    }
  }

  const success = successSchema(doc, raw.node)
  let responseType = 'void'
  if (success) {
    const status = /^\d+$/.test(success.status) ? success.status : stringLiteral(success.status)
    const expression = `${op}['responses'][${status}]['content'][${stringLiteral(success.media)}]`
    responseType =
      typeOf(success.schema, `${names.typeBase}Response`, entity.name, aliases, expression) ?? 'unknown'
  }

  const subPath = raw.rest.slice(1)
  const sub = subPath[0]
  let childField: string | undefined
  if (sub && !isParam(sub)) childField = [sub, camelCase(sub)].find((f) => entityProps.has(f))

  const xSync = raw.node['x-sync']
  const hint = readOptimisticHint(xSync, [...pointer, 'x-sync'], locator)
  const synced = raw.sync !== undefined
  let optimistic: OptimisticKind = 'none'
  if (synced && raw.sync?.localFirst) optimistic = defaultKind(role)
  if (hint) {
    if (!synced && hint.kind !== 'none')
      fail(
        'x-sync.optimistic needs an x-sync path (with local_first: true)',
        [...pointer, 'x-sync', 'optimistic'],
        locator,
      )
    optimistic = hint.kind
    if (hint.field) childField = hint.field
    checkHint(optimistic, role, raw, body, childField, [...pointer, 'x-sync', 'optimistic'], locator)
  }
  if (
    (optimistic === 'add-child' || optimistic === 'update-child' || optimistic === 'remove-child') &&
    !childField
  ) {
    optimistic = 'none' // the parent schema has no such array property: nothing to patch
  }
  if (optimistic === 'add-child' && !body) optimistic = 'none'

  return {
    method: raw.method,
    path: raw.path,
    pointer: pointer.join('/'),
    operationId: typeof raw.node.operationId === 'string' ? raw.node.operationId : undefined,
    summary: typeof raw.node.summary === 'string' ? raw.node.summary : undefined,
    role,
    ...names,
    pathParams,
    queryParams,
    queryType,
    headersType,
    body,
    response: { type: responseType },
    subPath,
    childField,
    optimistic,
    row: undefined,
    changes: undefined,
    synced,
  }
}

/**
 * Fills `row` (create, add-child) and `changes` (update, update-child) of an optimistic operation
 * whose entity schema is known, so the emitted hooks write rows that satisfy it.
 */
function describeOptimisticRows(
  doc: Json,
  raw: RawOperation,
  op: Operation,
  entity: Entity,
  entitySchema: unknown,
  aliases: Map<string, TypeAlias>,
  locator: Locator,
) {
  const entityType = entity.type?.replace(/ \| null$/, '')
  if (!entityType || entitySchema === undefined || op.optimistic === 'none') return
  const requestBody = deref(doc, raw.node.requestBody)
  const content = isObject(requestBody) && isObject(requestBody.content) ? requestBody.content : {}
  const media = op.body?.mediaType
  const bodySchema = media && isObject(content[media]) ? (content[media] as Json).schema : undefined
  const xSync = isObject(raw.node['x-sync']) ? raw.node['x-sync'] : {}
  const at = ['paths', raw.path, raw.method, 'x-sync']
  if (xSync.server_defaults !== undefined && op.optimistic !== 'create' && op.optimistic !== 'add-child')
    fail(
      'x-sync.server_defaults applies to creates and add-child operations only',
      [...at, 'server_defaults'],
      locator,
    )
  const childField = op.childField
  const childSchema = childField
    ? arrayItems(doc, objectProperties(doc, entitySchema).get(childField)?.schema)
    : undefined
  // The child's own type name when it is a component, else its place in the entity's type.
  const childType = () =>
    typeOf(childSchema, '', entity.name, aliases, undefined) ??
    `NonNullable<${entityType}[${stringLiteral(childField ?? '')}]>[number]`
  switch (op.optimistic) {
    case 'create':
      op.row = {
        type: entityType,
        ...rowRecipe(doc, entitySchema, bodySchema, {
          idField: entity.idField,
          hint: xSync.server_defaults,
          at,
          locator,
        }),
      }
      break
    case 'add-child':
      if (childSchema === undefined) return
      op.row = {
        type: childType(),
        ...rowRecipe(doc, childSchema, bodySchema, {
          idField: 'id',
          parentField: parentLink(doc, childSchema, entity.name),
          hint: xSync.server_defaults,
          at,
          locator,
        }),
      }
      break
    case 'update':
      op.changes = { type: entityType, fields: sharedFields(doc, entitySchema, bodySchema) }
      break
    case 'update-child':
      if (childSchema === undefined) return
      op.changes = { type: childType(), fields: sharedFields(doc, childSchema, bodySchema) }
      break
    default:
      break
  }
}

function defaultKind(role: OperationRole): OptimisticKind {
  switch (role) {
    case 'create':
      return 'create'
    case 'update':
    case 'replace':
      return 'update'
    case 'delete':
      return 'delete'
    case 'child-add':
      return 'add-child'
    case 'child-update':
      return 'update-child'
    case 'child-remove':
      return 'remove-child'
    default:
      return 'none'
  }
}

/** A hint must fit the operation's shape: an update needs an id and a body, and so on. */
function checkHint(
  kind: OptimisticKind,
  role: OperationRole,
  raw: RawOperation,
  body: Body | undefined,
  childField: string | undefined,
  at: string[],
  locator: Locator,
) {
  const hasId = isParam(raw.rest[0])
  const idOnly = hasId && raw.rest.length <= 2
  const childShape = hasId && raw.rest.length >= 2 && !isParam(raw.rest[1])
  const why = (() => {
    switch (kind) {
      case 'create':
        return raw.rest.length === 0 && body
          ? undefined
          : 'a create needs a collection path (/orders) and a body'
      case 'update':
        return idOnly && body && !role.startsWith('child')
          ? undefined
          : 'an update needs /orders/{id}[/action] and a body'
      case 'delete':
        return idOnly && !role.startsWith('child') ? undefined : 'a delete needs /orders/{id}[/action]'
      case 'add-child':
        return childShape && raw.rest.length === 2 && body && childField
          ? undefined
          : 'add-child needs /orders/{id}/<field>, a body and a parent array field'
      case 'update-child':
      case 'remove-child':
        return childShape && raw.rest.length === 3 && isParam(raw.rest[2]) && childField
          ? kind === 'update-child' && !body
            ? 'update-child needs a body'
            : undefined
          : `${kind} needs /orders/{id}/<field>/{child_id} and a parent array field`
      default:
        return undefined
    }
  })()
  if (why)
    fail(
      `x-sync.optimistic ${kind} does not fit ${raw.method.toUpperCase()} ${raw.path}: ${why}`,
      at,
      locator,
    )
}

/** Two resources that singularize to one name (`/order` and `/orders`) keep distinct names. */
function mergeSameNamedEntities(entities: Entity[]) {
  const seen = new Map<string, number>()
  for (const entity of entities) {
    const count = seen.get(entity.name) ?? 0
    seen.set(entity.name, count + 1)
    if (count > 0) {
      entity.name = camelCase(entity.root)
      entity.pascal = pascalCase(entity.root)
    }
  }
}
