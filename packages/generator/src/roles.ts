/** What an operation does to its entity, from its path and method (`OperationRole`). */
import type { OperationRole } from './model.js'
import { camelCase } from './naming.js'
import { isParam, type RawOperation } from './paths.js'

export function classify(
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
