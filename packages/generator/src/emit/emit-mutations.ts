import type { ApiModel, Entity, Operation } from '../model.js'
import { isNow, type Placeholder } from '../optimistic-rows.js'
import { docComment } from './emit-client.js'
import { importTypes, literal, propertyKey } from './files.js'
import { header, Imports } from './header.js'

const runtime = '@pattern-stack/sync-patterns/runtime'
const runtimeCore = '@pattern-stack/sync-patterns/runtime/core'
/** Id of an optimistic entry whose real id only the server's answer tells, by the id's type. */
const temporaryIds = {
  uuid: ['randomUUID', 'const optimisticId = randomUUID()'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the template literal is the code it writes
  string: ['randomUUID', 'const optimisticId = `optimistic:${randomUUID()}`'],
  number: ['temporaryNumberId', 'const optimisticId = temporaryNumberId()'],
} as const
const queryRoles = new Set(['list', 'get', 'child-list', 'child-get', 'query'])

export function mutationsOf(entity: Entity): Operation[] {
  return entity.operations.filter((op) => !queryRoles.has(op.role))
}

/**
 * `hooks/use<Entity>Mutations.ts`: one hook per write operation, each one call of the runtime's
 * `useOptimisticMutation`. Hooks of x-sync paths with `local_first` show their change at once
 * through the runtime's optimistic registry; every hook refetches what it changed before it settles.
 */
export function emitMutations(model: ApiModel, entity: Entity): string {
  const imports = new Imports()
  imports.add(runtime, 'useOptimisticMutation')
  imports.add(`../client/${entity.name}`, `${entity.name}Api`)
  imports.add(`../entities/${entity.name}`, `${entity.name}Keys`)
  const ops = mutationsOf(entity)
  let code = ''
  for (const op of ops)
    code += emitRowBuilder(model, entity, op, imports) + emitMutationHook(model, entity, op, imports)
  return `${header(`Mutation hooks for the ${entity.pascal} entity${ops.some((o) => o.optimistic !== 'none') ? ', with optimistic updates' : ''}.`)}${imports}${code}`
}

function emitMutationHook(model: ApiModel, entity: Entity, op: Operation, imports: Imports): string {
  const { name, root } = entity
  const keys = `${name}Keys`
  const api = `${name}Api.${op.clientName}`
  const shape = `${name}Cache`
  const isChild = op.role.startsWith('child-')
  // A child hook is bound to its parent: `useAddOrderItem(orderId)`, whatever the path calls it.
  const parentId = isChild ? `${name}Id` : op.pathParams[0]?.id
  const childId = isChild ? op.pathParams[1]?.id : undefined
  const bodyType = op.body?.type
  const bodyHasId = op.body?.properties?.includes('id') ?? false
  importTypes(model, imports, 'hooks', [bodyType, op.response.type])

  // Hook arguments: child hooks are bound to their parent (`useAddOrderItem(orderId)`).
  const hookArgs: string[] = []
  const bound = isChild && parentId ? [op.pathParams[0]] : []
  for (const p of bound) if (p) hookArgs.push(`${parentId}: ${p.tsType}`)
  if (op.row) {
    imports.add(runtimeCore, 'OptimisticRowOptions', true)
    importTypes(model, imports, 'hooks', [op.row.type])
    hookArgs.push(`options: OptimisticRowOptions<${bodyType ?? 'unknown'}, ${op.row.type}> = {}`)
  } else {
    imports.add(runtimeCore, 'MutationHookOptions', true)
    hookArgs.push('options: MutationHookOptions = {}')
  }

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
    // A nullable update body: the hook takes its object form (the client method still sends null).
    const fieldsType = entityData && op.body.nullable ? `NonNullable<${bodyType}>` : `${bodyType}`
    const dataType = entityData
      ? `${fieldsType} | Partial<${entity.type?.replace(/ \| null$/, '')}>`
      : `${bodyType}`
    const hasVersion = op.body.lockingVersion
    const version = hasVersion
      ? '  /** The version the change is based on; a stale one makes the server answer 409. */\n  version?: number\n'
      : ''
    variablesDecl = `
export interface ${variablesName} {
  id: ${only?.tsType ?? 'string'}
  data: ${dataType}
${version}}
`
    variablesType = variablesName
    param = `{ id, data${hasVersion ? ', version' : ''} }`
    if (only) args[only.id] = 'id'
    if (entityData) {
      imports.add(runtimeCore, 'pickFields')
      importTypes(model, imports, 'hooks', [entity.type])
      const picked = `pickFields(data, ${literal(op.body.properties)})`
      updateData = hasVersion
        ? `{ ...${picked}, ...(version === undefined ? {} : { version }) } as ${op.body.type}`
        : `${picked} as ${op.body.type}`
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
    importTypes(model, imports, 'hooks', [op.queryType])
    const fields = [
      ...free.map((p) => `  ${p.id}: ${p.tsType}\n`),
      ...(op.queryType
        ? [`  params${op.queryParams.some((p) => p.required) ? '' : '?'}: ${op.queryType}\n`]
        : []),
      ...(op.body ? [`  data${op.body.required ? '' : '?'}: ${bodyType ?? 'unknown'}\n`] : []),
    ]
    variablesDecl = `\nexport interface ${variablesName} {\n${fields.join('')}}\n`
    variablesType = variablesName
    param = `{ ${[...free.map((p) => p.id), ...(op.queryType ? ['params'] : []), ...(op.body ? ['data'] : [])].join(', ')} }`
  }

  // Request call.
  if (isChild && op.pathParams[0] && parentId) args[op.pathParams[0].id] = parentId
  const callArgs: string[] = op.pathParams.map((p) => args[p.id] ?? p.id)
  const prelude: string[] = []
  let bodyExpr = op.body
    ? variablesType === variablesName && param.includes('id, data')
      ? updateData
      : 'data'
    : ''
  const entityId = op.optimistic === 'create' ? (bodyHasId ? 'id' : 'optimisticId') : undefined
  const newId = op.optimistic === 'create' ? 'id' : 'childId'
  if (op.optimistic === 'create' || (op.optimistic === 'add-child' && bodyHasId)) {
    if (bodyHasId) {
      prelude.push(
        `const ${newId} = data.id ?? randomUUID()`,
        `const body = { ...data, ${newId === 'id' ? 'id' : `id: ${newId}`} }`,
      )
      bodyExpr = 'body'
      imports.add(runtimeCore, 'randomUUID')
    }
  }
  if ((op.optimistic === 'create' || op.optimistic === 'add-child') && !bodyHasId) {
    const [helper, declaration] = temporaryIds[op.row?.idKind ?? 'string']
    prelude.push(declaration)
    imports.add(runtimeCore, helper)
  }
  if (op.body) callArgs.push(bodyExpr)
  if (op.queryType) callArgs.push(param.includes('params') ? 'params' : 'undefined')
  const usesKey = op.method === 'post'
  if (usesKey) callArgs.push('{ idempotencyKey }')

  // Optimistic change and what to refetch.
  const patches: string[] = []
  const target = (field: string | undefined) => `{ parentId: ${parentId}, field: '${field}' }`
  const idExpr = free[0] ? (args[free[0].id] ?? free[0].id) : undefined
  switch (op.optimistic) {
    case 'create': {
      imports.add(runtimeCore, 'createEntityPatch')
      const requestBody = bodyHasId ? 'body' : 'data'
      const id = bodyHasId ? 'id' : 'optimisticId'
      const entry = op.row
        ? `{ ...${rowBuilderName(op)}(${requestBody}, ${id}), ...options.optimistic?.(${requestBody}) }`
        : `{ ...${requestBody}, ${entity.idField}: ${id} }`
      patches.push(`createEntityPatch(${shape}, ${entry})`)
      break
    }
    case 'update':
      imports.add(runtimeCore, 'updateEntityPatch')
      patches.push(`updateEntityPatch${typeArgsOf(op)}(${shape}, ${idExpr}, ${changesOf(op, imports)})`)
      break
    case 'delete':
      imports.add(runtimeCore, 'deleteEntityPatch')
      patches.push(`deleteEntityPatch(${shape}, ${idExpr})`)
      break
    case 'add-child':
      imports.add(runtimeCore, 'addChildPatch')
      {
        const requestBody = bodyHasId ? 'body' : 'data'
        const id = bodyHasId ? 'childId' : 'optimisticId'
        const rowArgs = [
          requestBody,
          id,
          ...(op.row?.fields.some((f) => f.source.from === 'parent') ? [`${parentId}`] : []),
        ]
        const child = op.row
          ? `{ ...${rowBuilderName(op)}(${rowArgs.join(', ')}), ...options.optimistic?.(${requestBody}) }`
          : `{ ...${requestBody}, id: ${id} }`
        patches.push(`addChildPatch(${shape}, ${target(op.childField)}, ${child})`)
      }
      break
    case 'update-child':
      imports.add(runtimeCore, 'updateChildPatch')
      patches.push(
        `updateChildPatch${typeArgsOf(op)}(${shape}, ${target(op.childField)}, ${idExpr}, ${changesOf(op, imports)})`,
      )
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
  if (op.role === 'delete' || op.optimistic === 'delete') remove.push(`${keys}.detail(${idExpr})`)
  if (detailId || op.role === 'create' || op.role === 'delete' || op.optimistic === 'delete') {
    imports.add(runtimeCore, 'listFilters')
    invalidate.push(`listFilters('${root}')`)
  } else {
    invalidate.push(`{ queryKey: ${keys}.all }`)
  }

  const mutationKey = bound.length > 0 ? `${keys}.detail(${parentId})` : `${keys}.all`
  // { patches: [deleteEntityPatch(orderCache, id)], request: () => orderApi.delete(id), ... }
  const members = [
    ...(patches.length > 0 ? [`patches: [${patches.join(', ')}]`] : []),
    `request: (${usesKey ? 'idempotencyKey' : ''}) => ${api}(${callArgs.join(', ')})`,
    `invalidate: [${invalidate.join(', ')}]`,
    ...(remove.length > 0 ? [`remove: [${remove.join(', ')}]`] : []),
  ]
  const mutation = `{
${members.map((m) => `      ${m},\n`).join('')}    }`
  // A create first makes the ids: `(data) => {` … `return {` … `}` `}`
  const fn =
    prelude.length > 0
      ? `(${param}) => {
${prelude.map((p) => `    ${p}\n`).join('')}    return ${mutation}
  }`
      : `(${param}) => (${mutation})`
  const what =
    op.optimistic === 'none'
      ? ''
      : ` Shows the change at once (${op.optimistic}); rolls back only this change if the server refuses it.`
  return `${variablesDecl}
${docComment(op, `.${what}`)}
export function ${op.hookName}(${hookArgs.join(', ')}) {
  return useOptimisticMutation<${op.response.type}, ${variablesType}>(${mutationKey}, options, ${fn})
}
`
}

/** `createOrderRow`: the function that builds the row an operation shows before the server answers. */
function rowBuilderName(op: Operation): string {
  return `${op.typeBase.charAt(0).toLowerCase()}${op.typeBase.slice(1)}Row`
}

/** What an update merges into the cached row: only the body fields the row has, typed as the row's. */
function changesOf(op: Operation, imports: Imports): string {
  if (!op.changes) return 'data'
  imports.add(runtimeCore, 'pickFields')
  return `pickFields(data, ${literal(op.changes.fields)})`
}

function typeArgsOf(op: Operation): string {
  return op.changes ? `<${op.changes.type}>` : ''
}

/**
 * The function that builds a create's or add-child's optimistic row: every field the row type
 * requires, from the request body where it has the field, else the x-sync hint, a schema default or
 * a placeholder of the field's type. Typed as the row, with no cast, so `tsc` fails if a required
 * field had no source.
 */
function emitRowBuilder(model: ApiModel, entity: Entity, op: Operation, imports: Imports): string {
  const row = op.row
  if (!row) return ''
  importTypes(model, imports, 'hooks', [row.type, op.body?.type])
  const isChild = op.optimistic === 'add-child'
  const idType = `${row.type}[${literal(entity.idField === 'id' || isChild ? 'id' : entity.idField)}]`
  const usesBody = row.fields.some((f) => f.source.from === 'body')
  const params = [`${usesBody ? 'body' : '_body'}: ${op.body?.type ?? 'unknown'}`, `id: ${idType}`]
  if (row.fields.some((f) => f.source.from === 'parent'))
    params.push(`${entity.name}Id: ${op.pathParams[0]?.tsType ?? 'string'}`)
  let usesNow = false
  const value = (placeholder: Placeholder): string => {
    if (isNow(placeholder)) {
      usesNow = true
      return placeholder.now === 'date' ? 'now.slice(0, 10)' : 'now'
    }
    if (Array.isArray(placeholder)) return `[${placeholder.map(value).join(', ')}]`
    if (typeof placeholder === 'object' && placeholder !== null) {
      const members = Object.entries(placeholder).map(([k, v]) => `${propertyKey(k)}: ${value(v)}`)
      return members.length === 0 ? '{}' : `{ ${members.join(', ')} }`
    }
    return literal(placeholder)
  }
  const members = row.fields.map(({ name, source }) => {
    const key = propertyKey(name)
    switch (source.from) {
      case 'id':
        return key === 'id' ? 'id' : `${key}: id`
      case 'parent':
        return `${key}: ${entity.name}Id`
      case 'body': {
        const read = key === name ? `body.${name}` : `body[${key}]`
        const fallback =
          source.optional && source.fallback !== undefined ? ` ?? ${value(source.fallback)}` : ''
        return `${key}: ${read}${fallback}`
      }
      default:
        return `${key}: ${value(source.value)}`
    }
  })
  const what = isChild ? `${op.childField} entry` : entity.name
  const filled = row.fields.some(
    (f) => f.source.from === 'value' || (f.source.from === 'body' && f.source.optional),
  )
  return `
/** The ${what} ${op.method.toUpperCase()} ${op.path} shows until the server answers: the request's fields${filled ? ', and a placeholder for each one the server fills in' : ''}. */
function ${rowBuilderName(op)}(${params.join(', ')}): ${row.type} {
${usesNow ? '  const now = new Date().toISOString()\n' : ''}  return {
${members.map((m) => `    ${m},\n`).join('')}  }
}
`
}
