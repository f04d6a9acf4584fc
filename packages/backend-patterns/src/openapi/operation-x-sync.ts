/** An operation-level `x-sync` (beside the path-level one of spec §1.3), read by the generator. */
export interface OperationXSync {
  /**
   * Fields the server fills in when it creates the row (a create, an add-child), as a generated
   * optimistic row should show them before the answer, such as `{ status: 'draft', total: 0 }`.
   */
  serverDefaults?: Record<string, unknown>
}

/**
 * Route schema keys that put `x-sync` on the route's OpenAPI operation (`@fastify/swagger` copies
 * `x-` keys of a route schema). Spread it into the schema: `schema: { ...operationXSync({...}), body }`.
 */
export function operationXSync(options: OperationXSync): {
  'x-sync': { server_defaults?: Record<string, unknown> }
} {
  const value: { server_defaults?: Record<string, unknown> } = {}
  if (options.serverDefaults !== undefined) {
    const defaults = options.serverDefaults
    if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults))
      throw new TypeError('operationXSync: serverDefaults must be an object of field values')
    value.server_defaults = { ...defaults }
  }
  return { 'x-sync': value }
}
