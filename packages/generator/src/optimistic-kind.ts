/** The optimistic change an operation shows: inferred from its role, or an x-sync hint that must fit it. */
import type { Body, OperationRole, OptimisticKind } from './model.js'
import { isParam, type RawOperation } from './paths.js'
import { fail, type Locator } from './read-x-sync.js'

export function defaultKind(role: OperationRole): OptimisticKind {
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
export function checkHint(
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
