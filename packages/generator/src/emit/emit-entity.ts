import type { ApiModel, Entity, Operation } from '../model.js'
import { stringLiteral } from '../string-literal.js'
import { importTypes, literal } from './files.js'
import { header, Imports } from './header.js'
import {
  array,
  arrow,
  call,
  fits,
  functionHead,
  line,
  logical,
  object,
  type Piece,
  property,
} from './layout.js'

const runtimeCore = '@pattern-stack/sync-patterns/runtime/core'
const queryRoles = new Set(['list', 'get', 'child-list', 'child-get', 'query'])

/**
 * `entities/<entity>.ts`: query keys, cache shape and the query hooks (`useOrders`, `useOrder`),
 * each invalidated by broadcasts on the entity's x-sync channel.
 */
export function emitEntity(model: ApiModel, entity: Entity): string {
  const imports = new Imports()
  const listOp = entity.operations.find((op) => op.role === 'list')
  imports.add(runtimeCore, 'entityKeys')
  imports.add(runtimeCore, 'EntityCacheShape', true)
  if (listOp?.queryType) importTypes(model, imports, 'entities', [listOp.queryType])

  const shape: Record<string, string> = { root: entity.root, idField: entity.idField }
  if (entity.listField) shape.listField = entity.listField
  // entityKeys<OrdersParams>('orders'): all, list(params), detail(id), path(parts, params)
  const keys = call('entityKeys', [`'${entity.root}'`], listOp?.queryType ? [listOp.queryType] : [])
  // Biome breaks after the `=` rather than break a call with one short argument (`breakAfterColon`).
  const keysHead = `export const ${entity.name}Keys =`
  const keysLine =
    fits(0, `${keysHead} ${keys.flat}`) || !keys.breakAfterColon
      ? line(0, `${keysHead} `, keys)
      : `${keysHead}\n${line(2, '', keys)}`
  let code = `/** Where ${entity.name} data sits in the query cache: lists under ['${entity.root}'] or ['${entity.root}', params], one under ['${entity.root}', id]. */
${line(0, `export const ${entity.name}Cache: EntityCacheShape = `, literal(shape))}
${keysLine}`
  const queries = entity.operations.filter((op) => queryRoles.has(op.role))
  if (queries.length > 0) {
    imports.add('@tanstack/react-query', 'useQuery')
    imports.add(runtimeCore, 'ApiError', true)
    imports.add(`../client/${entity.name}`, `${entity.name}Api`)
  }
  for (const op of queries) code += emitQueryHook(model, entity, op, imports)
  return `${header(`Query hooks for the ${entity.pascal} entity${entity.sync?.channel ? `, refreshed by broadcasts on the '${entity.sync.channel}' channel` : ''}.`)}${imports}\n${code}`
}

function emitQueryHook(model: ApiModel, entity: Entity, op: Operation, imports: Imports): string {
  importTypes(model, imports, 'entities', [op.queryType, op.response.type])
  const channel = op.synced ? entity.sync?.channel : undefined
  const optionsType = `Use${op.typeBase}Options`
  const ids = op.pathParams
  // Required query params are a positional argument; optional ones go in `options.params`.
  const paramsRequired = op.queryParams.some((p) => p.required)
  const idArgs = [
    ...ids.map((p) => `${p.id}: ${p.tsType}`),
    ...(paramsRequired ? [`params: ${op.queryType}`] : []),
  ]
  const firstId = ids[0]?.id
  let key: Piece
  if (op.role === 'list') key = call(`${entity.name}Keys.list`, op.queryType ? ['params'] : [])
  else if (op.role === 'get' && firstId) key = call(`${entity.name}Keys.detail`, [firstId])
  else {
    const parts = keyParts(op)
    key =
      parts.length === 0 && !op.queryType
        ? `${entity.name}Keys.all`
        : call(`${entity.name}Keys.path`, [array(parts), ...(op.queryType ? ['params'] : [])])
  }
  const prefix =
    op.role !== 'list' && firstId ? call(`${entity.name}Keys.detail`, [firstId]) : `${entity.name}Keys.all`
  const callArgs = [...ids.map((p) => p.id), ...(op.queryType ? ['params'] : []), object(['signal'])]
  const options: string[] = []
  if (channel) {
    options.push(
      `  /** Refetch when a broadcast on '${channel}' says this data changed (default: true). Turn off while editing. */\n  autoRefresh?: boolean\n`,
    )
  }
  options.push('  /** Set false to not fetch yet (default: true). */\n  enabled?: boolean\n')
  if (op.queryType && !paramsRequired)
    options.push(
      `  /** Query parameters; each distinct set is its own cache entry. */\n  params?: ${op.queryType}\n`,
    )
  const destructure = [
    ...(channel ? ['autoRefresh = true'] : []),
    'enabled = true',
    ...(op.queryType && !paramsRequired ? ['params'] : []),
  ]
  const stringIds = ids.filter((p) => p.tsType === 'string')
  const enabled =
    stringIds.length > 0
      ? property('enabled', logical('&&', ['enabled', ...stringIds.map((p) => `${p.id} !== ''`)]))
      : 'enabled'
  // useQuery<Order, ApiError>({
  //   queryKey: orderKeys.detail(id),
  //   queryFn: ({ signal }) => orderApi.get(id, { signal }),
  //   enabled: enabled && id !== '',
  // })
  const query = call(
    'useQuery',
    [
      object(
        [
          property('queryKey', key),
          property('queryFn', arrow(['{ signal }'], call(`${entity.name}Api.${op.clientName}`, callArgs))),
          enabled,
        ],
        { expanded: true },
      ),
    ],
    [op.response.type, 'ApiError'],
  )
  // useBroadcastInvalidation({ channel: 'order', queryKeyPrefix: ['orders', id], enabled: autoRefresh && enabled })
  const broadcast = channel
    ? line(
        2,
        '',
        call('useBroadcastInvalidation', [
          object([
            property('channel', `'${channel}'`),
            property('queryKeyPrefix', prefix),
            property('enabled', logical('&&', ['autoRefresh', 'enabled'])),
          ]),
        ]),
      )
    : ''
  if (channel) imports.add('../runtime/useBroadcastInvalidation', 'useBroadcastInvalidation')
  return `
export interface ${optionsType} {
${options.join('')}}

/** ${op.method.toUpperCase()} ${op.path}${op.summary ? ` — ${op.summary.replace(/\*\//g, '*\\/')}` : ''} */
${functionHead(`export function ${op.hookName}`, [...idArgs, `options: ${optionsType} = {}`])}
  const { ${destructure.join(', ')} } = options
${broadcast}${line(2, 'return ', query)}}
`
}

/** Key elements after the root: path params by value, literal segments as strings. */
function keyParts(op: Operation): string[] {
  const segments = op.path.split('/').filter(Boolean)
  const root = segments.findIndex((s) => !/^\{/.test(s) && !/^(api|v\d+(\.\d+)*)$/i.test(s))
  return segments.slice(root + 1).map((s) => {
    const param = /^\{(.+)\}$/.exec(s)?.[1]
    const id = param !== undefined ? op.pathParams.find((p) => p.name === param)?.id : undefined
    return id ?? stringLiteral(s)
  })
}
