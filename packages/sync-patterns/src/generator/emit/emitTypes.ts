import { createRequire } from 'node:module'
import type { Config } from '@redocly/openapi-core'
import type { GlobalContext, OpenAPI3 } from 'openapi-typescript'
import { header } from './header.js'

// openapi-typescript is loaded through require(): its CommonJS build then loads TypeScript with
// require() too, which skips Node's ESM format detection and export scan of TypeScript's 9 MB file,
// about 0.2 s of every CLI run (0.28 s instead of 0.50 s to load it here).
const requireCjs = createRequire(import.meta.url)
type OpenApiTypescript = typeof import('openapi-typescript')
let openapiTypescript: OpenApiTypescript | undefined
function loadOpenApiTypescript(): OpenApiTypescript {
  openapiTypescript ??= requireCjs('openapi-typescript') as OpenApiTypescript
  return openapiTypescript
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
  const schema = (options.cloned ? document : structuredClone(document)) as unknown as OpenAPI3
  const ctx: GlobalContext = {
    additionalProperties: false,
    alphabetize: false,
    arrayLength: false,
    defaultNonNullable: true,
    discriminators: scanDiscriminators(schema, { silent: true, alphabetize: false }),
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
    transform: undefined,
    transformProperty: undefined,
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
