import { createRequire } from 'node:module'
import type { Config } from '@redocly/openapi-core'
import type { GlobalContext, OpenAPI3 } from 'openapi-typescript'
import { componentName, isObject, resolvePointer, walkObjects } from '../schema-utils.js'
import { header } from './header.js'
import { inlineDeepRefs } from './inline-deep-refs.js'

// openapi-typescript is loaded through require(): its CommonJS build then loads TypeScript with
// require() too, which skips Node's ESM format detection and export scan of TypeScript's 9 MB file,
// about 0.2 s of every CLI run (0.28 s instead of 0.50 s to load it here). Only the three modules
// this step uses are loaded: the package's root also loads all of @redocly/openapi-core for
// openapiTS()'s own bundling, another 0.15 s. Should a release move them, the root has them too.
const requireCjs = createRequire(import.meta.url)
type OpenApiTypescript = Pick<
  typeof import('openapi-typescript'),
  'astToString' | 'resolveRef' | 'scanDiscriminators' | 'transformSchema'
>
let openapiTypescript: OpenApiTypescript | undefined
function loadOpenApiTypescript(): OpenApiTypescript {
  openapiTypescript ??= loadModules()
  return openapiTypescript
}
function loadModules(): OpenApiTypescript {
  try {
    const { resolveRef, scanDiscriminators } = requireCjs('openapi-typescript/dist/lib/utils.cjs')
    const { astToString } = requireCjs('openapi-typescript/dist/lib/ts.cjs')
    const transformSchema = requireCjs('openapi-typescript/dist/transform/index.cjs')
    if ([resolveRef, scanDiscriminators, astToString, transformSchema].every((f) => typeof f === 'function'))
      return { resolveRef, scanDiscriminators, astToString, transformSchema }
  } catch {
    // moved in this release: the root below
  }
  return requireCjs('openapi-typescript') as OpenApiTypescript
}

export interface EmitTypesOptions {
  /** The document is the caller's own copy (a worker's message), which the transformer may change. */
  cloned?: boolean
}

/**
 * `schemas/openapi.ts`: every path and component as TypeScript types, by openapi-typescript's
 * transformer. The document is already bundled and its references checked (loadSpec), so this
 * calls the transformer directly instead of `openapiTS()`, which would lint and bundle it again
 * (most of its run time). The options are openapiTS's defaults, so types follow the document's
 * order (`alphabetize` would cost a fifth of this step: it sorts with a new Intl collator per comparison).
 */
export async function emitOpenApiTypes(
  document: Record<string, unknown>,
  options: EmitTypesOptions = {},
): Promise<string> {
  const { astToString, resolveRef, scanDiscriminators, transformSchema } = loadOpenApiTypescript()
  const copy = options.cloned ? document : structuredClone(document)
  inlineDeepRefs(copy)
  const schema = copy as unknown as OpenAPI3
  const ctx: GlobalContext = {
    additionalProperties: false,
    alphabetize: false,
    arrayLength: false,
    defaultNonNullable: true,
    // scanDiscriminators walks the whole document twice (a tenth of this step) and finds nothing
    // unless some object has a `discriminator`; one quick look decides whether it needs to.
    discriminators: hasKey(schema, 'discriminator')
      ? scanDiscriminators(schema, { silent: true, alphabetize: false })
      : { objects: {}, refsHandled: [] },
    emptyObjectsUnknown: false,
    enum: false,
    enumValues: false,
    conditionalEnums: false,
    dedupeEnums: false,
    excludeDeprecated: false,
    exportType: false,
    immutable: false,
    rootTypes: false,
    rootTypesNoSchemaPrefix: false,
    rootTypesKeepCasing: false,
    injectFooter: [],
    pathParamsAsTypes: false,
    postTransform: undefined,
    propertiesRequiredByDefault: false,
    redoc: undefined as unknown as Config, // only read by openapiTS() itself, not by the transformer
    silent: true,
    inject: undefined,
    transform: binaryAsBlob,
    transformProperty: defaultsOptionalInRequests(schema),
    makePathsEnum: false,
    generatePathParams: false,
    readWriteMarkers: false,
    resolve: ($ref) => resolveRef(schema, $ref, { silent: true }),
  }
  return (
    header('TypeScript types of every path and schema of the API (openapi-typescript).') +
    astToString(transformSchema(schema, ctx))
  )
}

let fileOrBlob: unknown
/**
 * `File | Blob` for a binary string (`format: binary`, or a 3.1 `contentMediaType` that is not
 * text), where openapi-typescript writes `string`: a multipart field or binary body takes the file
 * itself, and a binary response is read as a Blob.
 */
function binaryAsBlob(schemaObject: object) {
  const schema = schemaObject as Record<string, unknown>
  const types = Array.isArray(schema.type) ? schema.type : [schema.type]
  const mediaType = schema.contentMediaType
  const binary =
    schema.format === 'binary' ||
    (typeof mediaType === 'string' &&
      schema.contentEncoding === undefined &&
      !/^text\/|json|xml/.test(mediaType))
  if (!types.includes('string') || !binary || types.some((t) => t !== 'string' && t !== 'null'))
    return undefined
  const ts = requireCjs('typescript') as typeof import('typescript')
  fileOrBlob ??= ts.factory.createUnionTypeNode([
    ts.factory.createTypeReferenceNode('File'),
    ts.factory.createTypeReferenceNode('Blob'),
  ])
  const node = fileOrBlob as import('typescript').TypeNode
  return types.includes('null') || schema.nullable === true
    ? ts.factory.createUnionTypeNode([node, ts.factory.createLiteralTypeNode(ts.factory.createNull())])
    : node
}

/**
 * openapi-typescript's `defaultNonNullable` makes a property with a `default` required, which is
 * right for a response (the server fills it in) and wrong for a request (the server fills it in
 * when it is left out: FastAPI's `status: str = "open"`). openapi-typescript already leaves them
 * optional in inline request bodies; this does the same for component schemas used only by request
 * bodies (directly or through other components): such a property that is not in `required` keeps
 * its `?`. A component also reachable from a response, a parameter or a webhook keeps the response
 * view (pydantic v2 splits such models into `Foo-Input` and `Foo-Output` anyway).
 */
function defaultsOptionalInRequests(document: OpenAPI3) {
  const optional = requestOnlyDefaults(document as unknown as Record<string, unknown>)
  if (optional.size === 0) return undefined
  const ts = requireCjs('typescript') as typeof import('typescript')
  return (property: import('typescript').PropertySignature, schemaObject: unknown) =>
    property.questionToken === undefined && optional.has(schemaObject)
      ? ts.factory.updatePropertySignature(
          property,
          property.modifiers,
          property.name,
          ts.factory.createToken(ts.SyntaxKind.QuestionToken),
          property.type,
        )
      : undefined
}

/** The property schemas (by identity) with a default, not required, in request-only component schemas. */
export function requestOnlyDefaults(document: Record<string, unknown>): Set<unknown> {
  const schemas = ((document.components as Record<string, unknown> | undefined)?.schemas ?? {}) as Record<
    string,
    unknown
  >
  /** Component schema names reachable from the roots, following $refs through every component. */
  const reach = (roots: unknown[]) => {
    const found = new Set<string>()
    walkObjects(roots, (node, enqueue) => {
      if (typeof node.$ref !== 'string') return
      const name = componentName(node)
      if (name !== undefined && !found.has(name) && name in schemas) {
        found.add(name)
        enqueue(schemas[name])
      } else if (name === undefined) enqueue(resolvePointer(document, node.$ref))
    })
    return found
  }
  const requestRoots: unknown[] = []
  const otherRoots: unknown[] = []
  const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
  for (const item of Object.values((document.paths ?? {}) as Record<string, Record<string, unknown>>)) {
    if (typeof item !== 'object' || item === null) continue
    for (const [key, value] of Object.entries(item)) {
      if (!methods.includes(key) || typeof value !== 'object' || value === null) {
        otherRoots.push(value)
        continue
      }
      for (const [field, part] of Object.entries(value as Record<string, unknown>))
        (field === 'requestBody' ? requestRoots : otherRoots).push(part)
    }
  }
  const { paths: _paths, components, ...rest } = document
  const {
    schemas: _schemas,
    requestBodies: _bodies,
    ...otherComponents
  } = (components ?? {}) as Record<string, unknown>
  otherRoots.push(rest, otherComponents)
  const inRequests = reach(requestRoots)
  const elsewhere = reach(otherRoots)
  const optional = new Set<unknown>()
  for (const name of inRequests) {
    if (elsewhere.has(name)) continue
    walkObjects([schemas[name]], (node) => {
      const { properties } = node
      if (!isObject(properties)) return
      const required = Array.isArray(node.required) ? node.required : []
      for (const [key, property] of Object.entries(properties))
        if (isObject(property) && property.default !== undefined && !required.includes(key))
          optional.add(property)
    })
  }
  return optional
}

/** Whether any object in the tree has the key. */
function hasKey(root: unknown, key: string): boolean {
  let found = false
  walkObjects([root], (node) => {
    found = Object.hasOwn(node, key)
    return found
  })
  return found
}
