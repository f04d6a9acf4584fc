import type { ApiModel, Entity, Operation } from '../model.js'
import { stringLiteral } from '../string-literal.js'
import { docComment } from './emit-client.js'
import { importTypes, literal } from './files.js'
import { header, Imports } from './header.js'

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
  if (entity.detailField) shape.detailField = entity.detailField
  if (entity.versionField) shape.versionField = entity.versionField
  const keysType = listOp?.queryType ? `<${listOp.queryType}>` : ''
  let code = `/** Where ${entity.name} data sits in the query cache: lists under ['${entity.root}'] or ['${entity.root}', params], one under ['${entity.root}', id]${entity.versionField ? `; its version is \`${entity.versionField}\`` : ''}. */
export const ${entity.name}Cache: EntityCacheShape = ${literal(shape)}

export const ${entity.name}Keys = entityKeys${keysType}('${entity.root}')
`
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
  importTypes(model, imports, 'entities', [
    op.queryType,
    op.response.type,
    ...op.pathParams.map((p) => p.tsType),
  ])
  const channel = op.synced ? entity.sync?.channel : undefined
  const optionsType = `Use${op.typeBase}Options`
  const ids = op.pathParams
  // Required query params are a positional argument; optional ones go in `options.params`.
  const paramsRequired = op.queryParams.some((p) => p.required)
  const idArgs = [
    ...ids.map((p) => `${p.id}: ${p.tsType}`),
    ...(paramsRequired ? [`params: ${op.queryType}`] : []),
  ]
  // An array or object path parameter (label, matrix styles) is no entity id: keyed by its path.
  const firstId = ids[0] && (ids[0].tsType === 'string' || ids[0].tsType === 'number') ? ids[0].id : undefined
  const keys = `${entity.name}Keys`
  let key: string
  const params = op.queryType ? 'params' : ''
  if (op.role === 'list') key = `${keys}.list(${params})`
  else if (op.role === 'get' && firstId) key = `${keys}.detail(${firstId})`
  else {
    const parts = keyParts(op)
    key =
      parts.length === 0 && !op.queryType
        ? `${keys}.all`
        : `${keys}.path(${[`[${parts.join(', ')}]`, ...(op.queryType ? ['params'] : [])].join(', ')})`
  }
  const prefix = op.role !== 'list' && firstId ? `${keys}.detail(${firstId})` : `${keys}.all`
  const callArgs = [...ids.map((p) => p.id), ...(op.queryType ? ['params'] : []), '{ signal }']
  const options: string[] = []
  if (channel) {
    options.push(`  /** Refetch when a broadcast on '${channel}' says this data changed (default: true). Turn off while editing. */
  autoRefresh?: boolean
`)
  }
  options.push(`  /** Set false to not fetch yet (default: true). */
  enabled?: boolean
`)
  if (op.queryType && !paramsRequired)
    options.push(`  /** Query parameters; each distinct set is its own cache entry. */
  params?: ${op.queryType}
`)
  const destructure = [
    ...(channel ? ['autoRefresh = true'] : []),
    'enabled = true',
    ...(op.queryType && !paramsRequired ? ['params'] : []),
  ]
  const stringIds = ids.filter((p) => p.tsType === 'string')
  const enabled =
    stringIds.length > 0
      ? `enabled: ${['enabled', ...stringIds.map((p) => `${p.id} !== ''`)].join(' && ')}`
      : 'enabled'
  if (channel) imports.add('../runtime/useBroadcastInvalidation', 'useBroadcastInvalidation')
  // With a version field the subscription gets the cache shape: data already at a broadcast's
  // entity_version is not refetched.
  const cache = entity.versionField ? `, cache: ${entity.name}Cache` : ''
  const broadcast = channel
    ? `  useBroadcastInvalidation({ channel: '${channel}', queryKeyPrefix: ${prefix}, enabled: autoRefresh && enabled${cache} })
`
    : ''
  return `
export interface ${optionsType} {
${options.join('')}}

${docComment(op)}
export function ${op.hookName}(${[...idArgs, `options: ${optionsType} = {}`].join(', ')}) {
  const { ${destructure.join(', ')} } = options
${broadcast}  return useQuery<${op.response.type}, ApiError>({
    queryKey: ${key},
    queryFn: ({ signal }) => ${entity.name}Api.${op.clientName}(${callArgs.join(', ')}),
    ${enabled},
  })
}
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
