import { buildEntity } from './entity.js'
import type { ApiModel, HttpMethod, SyncConfig } from './model.js'
import { uniqueEntityNames } from './operation-names.js'
import { paramsOf, type RawOperation, splitPath, syncFor } from './paths.js'
import { fail, type Locator, readPathSync } from './read-x-sync.js'
import { deref, isObject, type Json } from './schema-utils.js'
import { Aliases } from './type-names.js'

const methods: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete']

/** Checks the document's shape and turns it into entities with classified, named operations. */
export function normalize(doc: Json, locator: Locator): ApiModel {
  const version = doc.openapi
  if (typeof version !== 'string' || !/^3\.[01]\./.test(version)) {
    if (typeof doc.swagger === 'string')
      fail('OpenAPI 2.0 (swagger) is not supported; convert it to 3.x', ['swagger'], locator)
    fail('not an OpenAPI 3.0 or 3.1 document: `openapi` must be "3.0.x" or "3.1.x"', ['openapi'], locator)
  }
  const info = isObject(doc.info) ? doc.info : {}
  if (!isObject(doc.paths)) fail('the document has no `paths` object', ['paths'], locator)
  const paths = doc.paths as Json

  const pathSync = new Map<string, SyncConfig>()
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) fail('a path item must be an object', ['paths', path], locator)
    // The generated code quotes paths (and the cache keys taken from them) as string literals.
    if (/['"`\\\s]/.test(path))
      fail(
        `a path may not contain quotes, backslashes or whitespace: ${JSON.stringify(path)}`,
        ['paths', path],
        locator,
      )
    if (item['x-sync'] !== undefined)
      pathSync.set(path, readPathSync(item['x-sync'], ['paths', path, 'x-sync'], locator))
  }

  const raws: RawOperation[] = []
  const operationIds = new Map<string, string>()
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = deref(doc, rawItem) as Json
    const { resource, rest } = splitPath(path)
    for (const method of methods) {
      const node = item[method]
      if (node === undefined) continue
      if (!isObject(node)) fail(`the ${method} operation must be an object`, ['paths', path, method], locator)
      const params = [...paramsOf(doc, item.parameters), ...paramsOf(doc, node.parameters)]
      const merged = new Map(params.map((p) => [`${p.in}:${p.name}`, p]))
      for (const p of merged.values()) {
        if (typeof p.name !== 'string' || typeof p.in !== 'string') {
          fail('a parameter needs a string `name` and `in`', ['paths', path, method, 'parameters'], locator)
        }
      }
      if (typeof node.operationId === 'string') {
        const first = operationIds.get(node.operationId)
        if (first)
          fail(
            `operationId "${node.operationId}" is also used by ${first}`,
            ['paths', path, method, 'operationId'],
            locator,
          )
        operationIds.set(node.operationId, `${method.toUpperCase()} ${path}`)
      }
      raws.push({
        method,
        path,
        node,
        params: [...merged.values()],
        resource,
        rest,
        sync: syncFor(path, pathSync),
      })
    }
  }

  const byResource = new Map<string, RawOperation[]>()
  for (const raw of raws) byResource.set(raw.resource, [...(byResource.get(raw.resource) ?? []), raw])

  const aliases = new Aliases()
  const entities = [...byResource.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([resource, ops]) => buildEntity(doc, resource, ops, aliases, locator))
  uniqueEntityNames(entities, aliases)

  return {
    title: typeof info.title === 'string' ? info.title : 'API',
    version: typeof info.version === 'string' ? info.version : '',
    entities,
    aliases: [...aliases.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    warnings: entities.flatMap((e) => e.operations.flatMap((op) => op.warnings)),
  }
}
