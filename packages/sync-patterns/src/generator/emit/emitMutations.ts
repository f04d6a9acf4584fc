import type { ApiModel, Entity, Operation } from '../model.js'
import { importTypes, literal } from './files.js'
import { header, Imports } from './header.js'
import {
  array,
  arrow,
  blockArrow,
  type Code,
  call,
  cast,
  comment,
  functionHead,
  line,
  object,
  type Piece,
  property,
  spread,
  typeMember,
} from './layout.js'

const runtimeCore = '@pattern-stack/sync-patterns/runtime/core'
/** Id of an optimistic entry whose real id only the server's answer tells. */
const declareOptimisticId = `const optimisticId = \`optimistic:\${randomUUID()}\``
const queryRoles = new Set(['list', 'get', 'child-list', 'child-get', 'query'])

export function mutationsOf(entity: Entity): Operation[] {
  return entity.operations.filter((op) => !queryRoles.has(op.role))
}

/**
 * `hooks/use<Entity>Mutations.ts`: one hook per write operation. Hooks of x-sync paths with
 * `local_first` show their change at once through the runtime's optimistic registry; every hook
 * refetches what it changed before it settles.
 */
export function emitMutations(model: ApiModel, entity: Entity): string {
  const imports = new Imports()
  imports.add('@tanstack/react-query', 'useMutation')
  imports.add('@tanstack/react-query', 'useQueryClient')
  imports.add(runtimeCore, 'ApiError', true)
  imports.add(runtimeCore, 'MutationHookOptions', true)
  imports.add(runtimeCore, 'runOptimisticMutation')
  imports.add(`../client/${entity.name}`, `${entity.name}Api`)
  const ops = mutationsOf(entity)
  let code = ''
  if (ops.some((op) => op.optimistic === 'create')) {
    code += `\n/** Fields a created ${entity.name} shows before the server answers (schema defaults, empty lists). */\n${line(0, `const ${entity.name}Placeholder = `, literal(entity.placeholder))}`
  }
  for (const op of ops) code += emitMutationHook(model, entity, op, imports)
  return `${header(`Mutation hooks for the ${entity.pascal} entity${ops.some((o) => o.optimistic !== 'none') ? ', with optimistic updates' : ''}.`)}${imports}${code}`
}

function emitMutationHook(model: ApiModel, entity: Entity, op: Operation, imports: Imports): string {
  const { name, root } = entity
  const api = `${name}Api.${op.clientName}`
  const shape = `${name}Cache`
  const isChild = op.role.startsWith('child-')
  // A child hook is bound to its parent: `useAddOrderItem(orderId)`, whatever the path calls it.
  const parentId = isChild ? `${name}Id` : op.pathParams[0]?.id
  const childId = isChild ? op.pathParams[1]?.id : undefined
  const bodyType = op.body?.type
  const bodyHasId = op.body?.properties?.includes('id') ?? false
  importTypes(model, imports, 'hooks', [bodyType, op.response.type, op.queryType])

  // Hook arguments: child hooks are bound to their parent (`useAddOrderItem(orderId)`).
  const hookArgs: string[] = []
  const bound = isChild && parentId ? [op.pathParams[0]] : []
  for (const p of bound) if (p) hookArgs.push(`${parentId}: ${p.tsType}`)
  hookArgs.push('options: MutationHookOptions = {}')

  // Variables of mutate(...) and how each request argument is read from them.
  const free = op.pathParams.filter((p) => !bound.includes(p))
  let variablesType: string
  let variablesDecl = ''
  let param: string
  const args: Record<string, string> = {}
  const variablesName = `${op.typeBase}Variables`
  const simple = op.queryParams.every((p) => !p.required)
  let updateData: Piece = 'data'
  if (simple && free.length === 1 && !op.body) {
    // mutate(id)
    const only = free[0]
    variablesType = only?.tsType ?? 'string'
    param = only?.id ?? 'id'
  } else if (simple && free.length === 1 && op.body) {
    // mutate({ id, data })
    const only = free[0]
    const entityData =
      (op.optimistic === 'update' || op.role === 'update' || op.role === 'replace') &&
      entity.type &&
      op.body.properties
    const dataType = entityData
      ? `${bodyType} | Partial<${entity.type?.replace(/ \| null$/, '')}>`
      : `${bodyType}`
    const hasVersion = op.body.properties?.includes('version') ?? false
    const version = hasVersion
      ? '  /** The version the change is based on; a stale one makes the server answer 409. */\n  version?: number\n'
      : ''
    variablesDecl = `
export interface ${variablesName} {
${typeMember(2, 'id', only?.tsType ?? 'string')}${typeMember(2, 'data', dataType)}${version}}
`
    variablesType = variablesName
    param = `{ id, data${hasVersion ? ', version' : ''} }`
    if (only) args[only.id] = 'id'
    if (entityData) {
      imports.add(runtimeCore, 'pickFields')
      importTypes(model, imports, 'hooks', [entity.type])
      const picked = call('pickFields', ['data', literal(op.body.properties)])
      updateData = hasVersion
        ? cast(object([spread(picked), spread('(version === undefined ? {} : { version })')]), op.body.type)
        : cast(picked, op.body.type)
    } else if (hasVersion) {
      updateData = 'version === undefined ? data : { ...data, version }' // an argument: no parentheses needed
    }
  } else if (simple && free.length === 0 && op.body) {
    variablesType = bodyType ?? 'unknown'
    param = 'data'
  } else if (simple && free.length === 0 && !op.body) {
    variablesType = 'void'
    param = ''
  } else {
    const fields = [
      ...free.map((p) => typeMember(2, p.id, p.tsType)),
      ...(op.queryType
        ? [typeMember(2, `params${op.queryParams.some((p) => p.required) ? '' : '?'}`, op.queryType)]
        : []),
      ...(op.body ? [typeMember(2, `data${op.body.required ? '' : '?'}`, bodyType ?? 'unknown')] : []),
    ]
    variablesDecl = `\nexport interface ${variablesName} {\n${fields.join('')}}\n`
    variablesType = variablesName
    param = `{ ${[...free.map((p) => p.id), ...(op.queryType ? ['params'] : []), ...(op.body ? ['data'] : [])].join(', ')} }`
  }

  // Request call.
  if (isChild && op.pathParams[0] && parentId) args[op.pathParams[0].id] = parentId
  const callArgs: Piece[] = op.pathParams.map((p) => args[p.id] ?? p.id)
  const prelude: string[] = []
  let bodyExpr: Piece = op.body
    ? variablesType === variablesName && param.includes('id, data')
      ? updateData
      : 'data'
    : ''
  const entityId = op.optimistic === 'create' ? (bodyHasId ? 'id' : 'optimisticId') : undefined
  const newId = op.optimistic === 'create' ? 'id' : 'childId'
  if (op.optimistic === 'create' || (op.optimistic === 'add-child' && bodyHasId)) {
    if (bodyHasId) {
      prelude.push(
        "// Client-generated id: the optimistic entry and the server's one share it, so it never changes.",
        `const ${newId} = data.id ?? randomUUID()`,
        `const body = { ...data, ${newId === 'id' ? 'id' : `id: ${newId}`} }`,
      )
      bodyExpr = 'body'
    } else if (op.optimistic === 'create') {
      prelude.push(declareOptimisticId)
    }
  }
  if (op.optimistic === 'add-child' && !bodyHasId) prelude.push(declareOptimisticId)
  if (prelude.length > 0) imports.add(runtimeCore, 'randomUUID')
  if (op.body) callArgs.push(bodyExpr)
  if (op.queryType) callArgs.push(param.includes('params') ? 'params' : 'undefined')
  const usesKey = op.method === 'post'
  if (usesKey) callArgs.push(object(['idempotencyKey']))

  // Optimistic change and what to refetch.
  const patches: Code[] = []
  const target = (field: string | undefined) =>
    object([property('parentId', `${parentId}`), property('field', `'${field}'`)])
  const idExpr = free[0] ? (args[free[0].id] ?? free[0].id) : undefined
  switch (op.optimistic) {
    case 'create': {
      imports.add(runtimeCore, 'createEntityPatch')
      const entry = bodyHasId
        ? [spread(`${name}Placeholder`), spread('body')]
        : [spread(`${name}Placeholder`), spread('data'), `${entity.idField}: optimisticId`]
      patches.push(call('createEntityPatch', [shape, object(entry)]))
      break
    }
    case 'update':
      imports.add(runtimeCore, 'updateEntityPatch')
      patches.push(call('updateEntityPatch', [shape, `${idExpr}`, 'data']))
      break
    case 'delete':
      imports.add(runtimeCore, 'deleteEntityPatch')
      patches.push(call('deleteEntityPatch', [shape, `${idExpr}`]))
      break
    case 'add-child':
      imports.add(runtimeCore, 'addChildPatch')
      patches.push(
        call('addChildPatch', [
          shape,
          target(op.childField),
          bodyHasId ? 'body' : object([spread('data'), 'id: optimisticId']),
        ]),
      )
      break
    case 'update-child':
      imports.add(runtimeCore, 'updateChildPatch')
      patches.push(call('updateChildPatch', [shape, target(op.childField), `${idExpr}`, 'data']))
      break
    case 'remove-child':
      imports.add(runtimeCore, 'removeChildPatch')
      patches.push(call('removeChildPatch', [shape, target(op.childField), `${childId ?? idExpr}`]))
      break
    default:
      break
  }
  if (patches.length > 0) imports.add(`../entities/${name}`, shape)
  const invalidate: Code[] = []
  const remove: Code[] = []
  const detailId = isChild ? parentId : op.role === 'create' ? entityId : idExpr
  if (detailId && op.optimistic !== 'delete' && op.role !== 'delete') {
    imports.add(runtimeCore, 'entityFilters')
    invalidate.push(call('entityFilters', [`'${root}'`, detailId]))
  }
  if (op.role === 'delete' || op.optimistic === 'delete') remove.push(array([`'${root}'`, `${idExpr}`]))
  if (detailId || op.role === 'create' || op.role === 'delete' || op.optimistic === 'delete') {
    imports.add(runtimeCore, 'listFilters')
    invalidate.push(call('listFilters', [`'${root}'`]))
  } else {
    invalidate.push(object([property('queryKey', array([`'${root}'`]))]))
  }

  const mutationKey = array(bound.length > 0 ? [`'${root}'`, `${parentId}`] : [`'${root}'`])
  // runOptimisticMutation(queryClient, {
  //   patches: [updateEntityPatch(orderCache, id, data)],
  //   request: () => orderApi.update(id, data),
  //   invalidate: [entityFilters('orders', id), listFilters('orders')],
  //   retry: options.retry,
  // })
  const run = call('runOptimisticMutation', [
    'queryClient',
    object(
      [
        ...(patches.length > 0 ? [property('patches', array(patches))] : []),
        property('request', arrow(usesKey ? ['idempotencyKey'] : [], call(api, callArgs))),
        property('invalidate', array(invalidate)),
        ...(remove.length > 0 ? [property('remove', array(remove))] : []),
        'retry: options.retry',
      ],
      { expanded: true },
    ),
  ])
  // `(id) =>` and the call, or a block that first makes the ids: `(data) => {` … `return run…` `}`
  const fn =
    prelude.length > 0
      ? blockArrow(
          [param],
          (indent) => prelude.map((p) => line(indent, '', p)).join('') + line(indent, 'return ', run),
        )
      : arrow(param ? [param] : [], run)
  const mutation = call(
    'useMutation',
    [
      object(
        [
          property('mutationKey', mutationKey),
          comment('// Its optimistic change lives in the registry, which keeps it on top of any refetch, so'),
          comment('// broadcast refetches need not wait for this mutation.'),
          'meta: { optimisticRegistry: true }',
          comment('// Retries happen inside the request so they reuse its Idempotency-Key.'),
          'retry: false',
          property('mutationFn', fn),
        ],
        { expanded: true },
      ),
    ],
    [op.response.type, 'ApiError', variablesType],
  )
  const what =
    op.optimistic === 'none'
      ? ''
      : ` Shows the change at once (${op.optimistic}); rolls back only this change if the server refuses it.`
  return `${variablesDecl}
/** ${op.method.toUpperCase()} ${op.path}${op.summary ? ` — ${op.summary.replace(/\*\//g, '*\\/')}` : ''}.${what} */
${functionHead(`export function ${op.hookName}`, hookArgs)}
  const queryClient = useQueryClient()
${line(2, 'return ', mutation)}}
`
}
