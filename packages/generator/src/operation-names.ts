/** Names of entities, client methods, hooks and per-operation types. */
import type { Entity, OperationRole } from './model.js'
import { camelCase, pascalCase, singular } from './naming.js'
import { isParam, type RawOperation } from './paths.js'
import type { Json } from './schema-utils.js'

export interface Names {
  clientName: string
  hookName: string
  typeBase: string
}

export function nameOperation(raw: RawOperation, role: OperationRole, entity: Entity): Names {
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

/** Two resources that singularize to one name (`/order` and `/orders`) keep distinct names. */
export function mergeSameNamedEntities(entities: Entity[]) {
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
