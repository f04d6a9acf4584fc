import type { ApiModel, Entity, Operation } from '../model.js'
import { importTypes, literal } from './files.js'
import { header, Imports } from './header.js'

const runtimeCore = '@pattern-stack/sync-patterns/runtime/core'
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
    code += `\n/** Fields a created ${entity.name} shows before the server answers (schema defaults, empty lists). */\nconst ${entity.name}Placeholder = ${literal(entity.placeholder)}\n`
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
  const idempotency = op.method === 'post' ? '{ idempotencyKey }' : 'undefined'
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
  let updateData = 'data'
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
    variablesDecl = `
export interface ${variablesName} {
  id: ${only?.tsType ?? 'string'}
  data: ${dataType}${hasVersion ? '\n  /** The version the change is based on; a stale one makes the server answer 409. */\n  version?: number' : ''}
}
`
    variablesType = variablesName
    param = `{ id, data${hasVersion ? ', version' : ''} }`
    if (only) args[only.id] = 'id'
    if (entityData) {
      imports.add(runtimeCore, 'pickFields')
      importTypes(model, imports, 'hooks', [entity.type])
      const fields = literal(op.body.properties)
      updateData = hasVersion
        ? `{ ...pickFields(data, ${fields}), ...(version === undefined ? {} : { version }) } as ${bodyType}`
        : `pickFields(data, ${fields}) as ${bodyType}`
    } else if (hasVersion) {
      updateData = `(version === undefined ? data : { ...data, version })`
    }
  } else if (simple && free.length === 0 && op.body) {
    variablesType = bodyType ?? 'unknown'
    param = 'data'
  } else if (simple && free.length === 0 && !op.body) {
    variablesType = 'void'
    param = ''
  } else {
    const fields = [
      ...free.map((p) => `  ${p.id}: ${p.tsType}\n`),
      ...(op.queryType
        ? [`  params${op.queryParams.some((p) => p.required) ? '' : '?'}: ${op.queryType}\n`]
        : []),
      ...(op.body ? [`  data${op.body.required ? '' : '?'}: ${bodyType}\n`] : []),
    ]
    variablesDecl = `\nexport interface ${variablesName} {\n${fields.join('')}}\n`
    variablesType = variablesName
    param = `{ ${[...free.map((p) => p.id), ...(op.queryType ? ['params'] : []), ...(op.body ? ['data'] : [])].join(', ')} }`
  }

  // Request call.
  if (isChild && op.pathParams[0] && parentId) args[op.pathParams[0].id] = parentId
  const callArgs = op.pathParams.map((p) => args[p.id] ?? p.id)
  let prelude = ''
  let bodyExpr = op.body
    ? variablesType === variablesName && param.includes('id, data')
      ? updateData
      : 'data'
    : ''
  const entityId = op.optimistic === 'create' ? (bodyHasId ? 'id' : 'optimisticId') : undefined
  const newId = op.optimistic === 'create' ? 'id' : 'childId'
  if (op.optimistic === 'create' || (op.optimistic === 'add-child' && bodyHasId)) {
    if (bodyHasId) {
      prelude += `    // Client-generated id: the optimistic entry and the server's one share it, so it never changes.\n    const ${newId} = data.id ?? randomUUID()\n    const body = { ...data, ${newId === 'id' ? 'id' : `id: ${newId}`} }\n`
      bodyExpr = 'body'
    } else if (op.optimistic === 'create') {
      prelude += `    const optimisticId = \`optimistic:\${randomUUID()}\`\n`
    }
  }
  if (op.optimistic === 'add-child' && !bodyHasId) {
    prelude += `    const optimisticId = \`optimistic:\${randomUUID()}\`\n`
  }
  if (prelude.includes('randomUUID()')) imports.add(runtimeCore, 'randomUUID')
  if (op.body) callArgs.push(bodyExpr)
  if (op.queryType) callArgs.push(param.includes('params') ? 'params' : 'undefined')
  if (idempotency !== 'undefined') callArgs.push(idempotency)

  // Optimistic change and what to refetch.
  const patches: string[] = []
  const target = (field: string | undefined) => `{ parentId: ${parentId}, field: '${field}' }`
  const idExpr = free[0] ? (args[free[0].id] ?? free[0].id) : undefined
  switch (op.optimistic) {
    case 'create':
      imports.add(runtimeCore, 'createEntityPatch')
      patches.push(
        `createEntityPatch(${shape}, { ...${name}Placeholder, ...${bodyHasId ? 'body' : 'data'}${bodyHasId ? '' : `, ${entity.idField}: optimisticId`} })`,
      )
      break
    case 'update':
      imports.add(runtimeCore, 'updateEntityPatch')
      patches.push(`updateEntityPatch(${shape}, ${idExpr}, data)`)
      break
    case 'delete':
      imports.add(runtimeCore, 'deleteEntityPatch')
      patches.push(`deleteEntityPatch(${shape}, ${idExpr})`)
      break
    case 'add-child':
      imports.add(runtimeCore, 'addChildPatch')
      patches.push(
        `addChildPatch(${shape}, ${target(op.childField)}, ${bodyHasId ? 'body' : '{ ...data, id: optimisticId }'})`,
      )
      break
    case 'update-child':
      imports.add(runtimeCore, 'updateChildPatch')
      patches.push(`updateChildPatch(${shape}, ${target(op.childField)}, ${idExpr}, data)`)
      break
    case 'remove-child':
      imports.add(runtimeCore, 'removeChildPatch')
      patches.push(`removeChildPatch(${shape}, ${target(op.childField)}, ${childId ?? idExpr})`)
      break
    default:
      break
  }
  if (patches.length > 0) imports.add(`../entities/${name}`, shape)
  const invalidate: string[] = []
  const remove: string[] = []
  const detailId = isChild ? parentId : op.role === 'create' ? entityId : idExpr
  if (detailId && op.optimistic !== 'delete' && op.role !== 'delete') {
    imports.add(runtimeCore, 'entityFilters')
    invalidate.push(`entityFilters('${root}', ${detailId})`)
  }
  if (op.role === 'delete' || op.optimistic === 'delete') remove.push(`['${root}', ${idExpr}]`)
  if (detailId || op.role === 'create' || op.role === 'delete' || op.optimistic === 'delete') {
    imports.add(runtimeCore, 'listFilters')
    invalidate.push(`listFilters('${root}')`)
  } else {
    invalidate.push(`{ queryKey: ['${root}'] }`)
  }

  const mutationKey = bound.length > 0 ? `['${root}', ${parentId}]` : `['${root}']`
  const resultType = op.response.type
  const run = `runOptimisticMutation(queryClient, {
${patches.length ? `      patches: [${patches.join(', ')}],\n` : ''}      request: (idempotencyKey) => ${api}(${callArgs.join(', ')}),
      invalidate: [${invalidate.join(', ')}],
${remove.length ? `      remove: [${remove.join(', ')}],\n` : ''}      retry: options.retry,
    })`
  const usesKey = idempotency !== 'undefined'
  const fn = prelude
    ? `(${param}) => {\n${prelude}    return ${run.replace(/\n/g, '\n  ')}\n    }`
    : `(${param}) =>\n      ${run}`
  const what =
    op.optimistic === 'none'
      ? ''
      : ` Shows the change at once (${op.optimistic}); rolls back only this change if the server refuses it.`
  return `${variablesDecl}
/** ${op.method.toUpperCase()} ${op.path}${op.summary ? ` — ${op.summary.replace(/\*\//g, '*\\/')}` : ''}.${what} */
export function ${op.hookName}(${hookArgs.join(', ')}) {
  const queryClient = useQueryClient()
  return useMutation<${resultType}, ApiError, ${variablesType}>({
    mutationKey: ${mutationKey},
    // Its optimistic change lives in the registry, which keeps it on top of any refetch, so
    // broadcast refetches need not wait for this mutation.
    meta: { optimisticRegistry: true },
    // Retries happen inside the request so they reuse its Idempotency-Key.
    retry: false,
    mutationFn: ${fn.replace('(idempotencyKey)', usesKey ? '(idempotencyKey)' : '()')},
  })
}
`
}
