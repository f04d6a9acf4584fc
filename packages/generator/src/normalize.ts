import { buildEntity } from './entity.js'
import { GeneratorError } from './generator-error.js'
import type { ApiModel, HttpMethod, SyncConfig } from './model.js'
import { uniqueEntityNames } from './operation-names.js'
import { mergeParams, paramsOf, type RawOperation, splitPath, syncFor } from './paths.js'
import { type Attempt, fail, type Locator, readPathSync, strict } from './read-x-sync.js'
import { deref, isObject, type Json } from './schema-utils.js'
import { Aliases } from './type-names.js'

const methods: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete']

export interface NormalizeOptions {
  /** Skip each invalid operation (or path) with a warning instead of refusing the document. */
  lenient?: boolean
}

/** Checks the document's shape and turns it into entities with classified, named operations. */
export function normalize(doc: Json, locator: Locator, options: NormalizeOptions = {}): ApiModel {
  const warnings: string[] = []
  const attempt: Attempt = options.lenient
    ? Object.assign(
        (what: string, run: () => void) => {
          try {
            run()
            return true
          } catch (error) {
            if (!(error instanceof GeneratorError)) throw error
            warnings.push(`skipped ${what}: ${error.message}`)
            return false
          }
        },
        { lenient: true },
      )
    : strict
  const version = doc.openapi
  if (typeof version !== 'string' || !/^3\.[01]\./.test(version)) {
    if (typeof doc.swagger === 'string')
      fail('OpenAPI 2.0 (swagger) is not supported; convert it to 3.x', ['swagger'], locator)
    fail('not an OpenAPI 3.0 or 3.1 document: `openapi` must be "3.0.x" or "3.1.x"', ['openapi'], locator)
  }
  const info = isObject(doc.info) ? doc.info : {}
  // `paths` is optional in 3.1 (a document of webhooks or components only): types, no hooks.
  if (doc.paths !== undefined && !isObject(doc.paths)) fail('`paths` must be an object', ['paths'], locator)
  const paths = (doc.paths ?? {}) as Json

  const pathSync = new Map<string, SyncConfig>()
  // `x-` keys of the Paths Object are specification extensions, not paths.
  const pathEntries = Object.entries(paths).filter(([path]) => !path.startsWith('x-'))
  const validPaths = pathEntries.filter(([path, item]) =>
    attempt(`path ${path}`, () => {
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
    }),
  )

  const raws: RawOperation[] = []
  const operationIds = new Map<string, string>()
  for (const [path, rawItem] of validPaths) {
    const item = deref(doc, rawItem) as Json
    const { resource, rest } = splitPath(path)
    for (const method of methods) {
      const node = item[method]
      if (node === undefined) continue
      attempt(`${method.toUpperCase()} ${path}`, () => {
        if (!isObject(node))
          fail(`the ${method} operation must be an object`, ['paths', path, method], locator)
        const params = mergeParams(paramsOf(doc, item.parameters), paramsOf(doc, node.parameters))
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
      })
    }
  }

  const byResource = new Map<string, RawOperation[]>()
  for (const raw of raws) byResource.set(raw.resource, [...(byResource.get(raw.resource) ?? []), raw])

  const aliases = new Aliases()
  const entities = [...byResource.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([resource, ops]) => buildEntity(doc, resource, ops, aliases, locator, attempt))
    .filter((entity) => entity.operations.length > 0) // every operation skipped (lenient)
  uniqueEntityNames(entities, aliases)

  return {
    title: typeof info.title === 'string' ? info.title : 'API',
    version: typeof info.version === 'string' ? info.version : '',
    entities,
    aliases: [...aliases.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    warnings: [...warnings, ...entities.flatMap((e) => e.operations.flatMap((op) => op.warnings))],
  }
}
