/** Names of entities, client methods, hooks and per-operation types. */
import type { Entity, OperationRole } from './model.js'
import { camelCase, pascalCase, singular, words } from './naming.js'
import { isParam, type RawOperation } from './paths.js'
import type { Json } from './schema-utils.js'
import type { Aliases } from './type-names.js'

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
    case 'action': {
      // POST /orders/{id}/transition: the sub-path is a verb (`useTransitionOrder`). A PUT, PATCH or
      // DELETE of a sub-path changes or removes a part (`DELETE /users/{id}/mfa` → `useDeleteUserMfa`).
      const named =
        raw.method === 'post'
          ? make(camelCase(sub), `${subPascal}${pascal}`)
          : make(
              camelCase(`${raw.method === 'delete' ? 'delete' : 'update'} ${sub}`),
              `${raw.method === 'delete' ? 'Delete' : 'Update'}${pascal}${subPascal}`,
            )
      // The name its author gave it, when a person wrote it (`DisableMFA`, `set_avatar`), with the
      // entity after the verb when the id gave it as a namespace (`session.abort` → `AbortSession`).
      const written = writtenOperationId(raw)
      const fromId = written && withoutNamespace(written, raw, entity)
      return fromId && pascalCase(fromId) !== named.typeBase
        ? make(camelCase(fromId), pascalCase(fromId))
        : named
    }
    default: {
      if (role === 'query' && raw.rest.length === 0 && raw.resource !== 'root') {
        return make('get', pascalCase(raw.resource))
      }
      const fromId = cleanOperationId(raw)
      if (fromId) return make(camelCase(fromId), pascalCase(queryHookWords(fromId, raw.method)))
      const words = raw.rest.filter((s) => !isParam(s)).join(' ')
      const verb = raw.method === 'get' ? 'get' : raw.method
      return make(camelCase(`${verb} ${entity.name} ${words}`), pascalCase(`${verb} ${entity.name} ${words}`))
    }
  }
}

/**
 * The operationId as the function name a person wrote: FastAPI's default
 * `add_item_orders__order_id__items_post` → `add_item`, and a `generate_unique_id_function` id
 * `<tag>-<route name>` (`users-read_user_me`) → `read_user_me` when the prefix is one of the
 * operation's tags.
 */
export function cleanOperationId(raw: { method: string; path: string; node: Json }): string | undefined {
  const id = raw.node.operationId
  if (typeof id !== 'string' || id === '') return undefined
  const suffix = `${raw.path.replace(/\W/g, '_')}_${raw.method}`
  let name = id.endsWith(suffix) && id.length > suffix.length ? id.slice(0, -suffix.length) : id
  const tags = Array.isArray(raw.node.tags) ? raw.node.tags.filter((t) => typeof t === 'string') : []
  const dash = name.indexOf('-')
  if (dash > 0 && dash < name.length - 1) {
    const prefix = camelCase(name.slice(0, dash)).toLowerCase()
    if (tags.some((tag) => camelCase(tag).toLowerCase() === prefix)) name = name.slice(dash + 1)
  }
  return name
}

/**
 * The cleaned operationId when a person wrote it: not one a tool made from the method and path,
 * which names a path parameter (`post-companies-companyId-shippingLocations`).
 */
export function writtenOperationId(raw: RawOperation): string | undefined {
  const name = cleanOperationId(raw)
  if (!name) return undefined
  const nameWords = new Set(words(name))
  const params = [...raw.path.matchAll(/\{([^}]+)\}/g)].map((m) => words(m[1] ?? ''))
  return params.some((param) => param.length > 0 && param.every((w) => nameWords.has(w))) ? undefined : name
}

/**
 * An id whose first part names the resource, or one of the operation's tags, as a namespace
 * (`session.abort`, `gists/star`, DigitalOcean's `databases_update_firewall_rules`) reads as
 * verb + entity + the rest: `abortSession`, `starGist`, `updateDatabaseFirewallRules`.
 */
function withoutNamespace(name: string, raw: RawOperation, entity: Entity): string {
  const match = /^([A-Za-z0-9]+)[./_-](.+)$/.exec(name)
  if (!match) return name
  const [, namespace = '', rest = ''] = match
  const tags = Array.isArray(raw.node.tags) ? raw.node.tags.filter((t) => typeof t === 'string') : []
  const key = (text: string) => words(text).join('')
  const names = [raw.resource, singular(raw.resource), entity.name, ...tags].map(key)
  if (!names.includes(key(namespace))) return name
  const [verb = '', ...others] = words(rest)
  return [verb, entity.name, ...others].join(' ')
}

/**
 * A query hook reads as the data it gives: a GET's leading `read`/`get`/`fetch` is left out of the
 * hook (`read_user_me` → `useUserMe`, client method `readUserMe`), unless nothing would remain.
 */
export function queryHookWords(name: string, method: string): string {
  if (method !== 'get') return name
  const rest = name.replace(/^(read|get|fetch)(?=[_\-\s]|[A-Z])[_\-\s]*/, '')
  return /[A-Za-z]/.test(rest) ? rest : name
}

/** The names a hook brings into the output: itself, its options type (queries), its variables type (mutations). */
const hookExports = (typeBase: string) => [`use${typeBase}`, `Use${typeBase}Options`, `${typeBase}Variables`]

/**
 * The operation's names, unique: the first candidate whose client method no earlier operation of
 * the entity has and whose hook (with its options and variables types) no earlier operation, type
 * or import of the whole output has: the role's names, then the operationId's, then the role's
 * with `By<LastPathParam>`, then the role's with 2, 3, … . Claims the hook's names.
 */
export function uniqueNames(
  preferred: Names,
  raw: RawOperation,
  usedClientNames: Set<string>,
  taken: Aliases,
): Names {
  const candidates: Names[] = [preferred]
  const cleaned = cleanOperationId(raw) ?? ''
  const fromId = camelCase(cleaned)
  if (fromId) {
    const hook = pascalCase(queryHookWords(cleaned, raw.method))
    candidates.push({ clientName: fromId, hookName: `use${hook}`, typeBase: hook })
    if (hook !== pascalCase(cleaned))
      candidates.push({
        clientName: fromId,
        hookName: `use${pascalCase(cleaned)}`,
        typeBase: pascalCase(cleaned),
      })
  }
  const lastParam = [...raw.path.matchAll(/\{([^}]+)\}/g)].at(-1)?.[1]
  const by = lastParam !== undefined ? `By${pascalCase(lastParam)}` : ''
  const withSuffix = (suffix: string): Names => ({
    clientName: `${preferred.clientName}${suffix}`,
    hookName: `${preferred.hookName}${suffix}`,
    typeBase: `${preferred.typeBase}${suffix}`,
  })
  if (by) candidates.push(withSuffix(by))
  const free = (names: Names) =>
    !usedClientNames.has(names.clientName) && hookExports(names.typeBase).every((n) => !taken.taken.has(n))
  let names = candidates.find(free)
  for (let n = 2; !names; n++) if (free(withSuffix(String(n)))) names = withSuffix(String(n))
  usedClientNames.add(names.clientName)
  for (const name of hookExports(names.typeBase)) taken.taken.add(name)
  return names
}

/**
 * File names of the generator's own: an entity's `client/<name>.ts` or `entities/<name>.ts` may not
 * be one of them (`client/config.ts`), nor a directory's index.
 */
const supportFiles = new Set(['config', 'index'])

/**
 * Every entity gets a name no other has (compared without case, as file systems may), that is no
 * support file's, and whose `<name>Api`, `<name>Keys` and `<name>Cache` are no imported name: its
 * own; else its resource's (`/order` and `/orders` → `order`, `orders`); else with `Resource`
 * (`/config` → `configResource`), then 2, 3, … . Query-key roots are made unique the same way.
 */
export function uniqueEntityNames(entities: Entity[], taken: Aliases) {
  const names = new Set<string>()
  const roots = new Set<string>()
  const usable = (name: string) =>
    name !== '' &&
    !names.has(name.toLowerCase()) &&
    !supportFiles.has(name.toLowerCase()) &&
    ['Api', 'Keys', 'Cache'].every((s) => !taken.taken.has(`${name}${s}`))
  for (const entity of entities) {
    const fromRoot = camelCase(entity.root)
    const candidates = [entity.name, fromRoot, `${entity.name}Resource`]
    let name = candidates.find(usable)
    for (let n = 2; !name; n++) if (usable(`${entity.name}Resource${n}`)) name = `${entity.name}Resource${n}`
    if (name !== entity.name) {
      entity.pascal =
        name === fromRoot ? pascalCase(entity.root) : `${entity.pascal}${name.slice(entity.name.length)}`
      entity.name = name
    }
    names.add(name.toLowerCase())
    for (const s of ['Api', 'Keys', 'Cache']) taken.taken.add(`${name}${s}`)
    let root = entity.root
    for (let n = 2; roots.has(root); n++) root = `${entity.root}${n}`
    entity.root = root
    roots.add(root)
  }
}
