import type { Config } from '@redocly/openapi-core'
import {
  astToString,
  type GlobalContext,
  type OpenAPI3,
  resolveRef,
  scanDiscriminators,
  transformSchema,
} from 'openapi-typescript'
import { header } from './header.js'

/**
 * `schemas/openapi.ts`: every path and component as TypeScript types, by openapi-typescript's
 * transformer. The document is already bundled and its references checked (loadSpec), so this
 * calls the transformer directly instead of `openapiTS()`, which would lint and bundle it again
 * (most of its run time). The options are openapiTS's defaults, so types follow the document's
 * order (`alphabetize` would cost a fifth of this step: it sorts with a new Intl collator per comparison).
 */
export async function emitOpenApiTypes(document: Record<string, unknown>): Promise<string> {
  const schema = structuredClone(document) as unknown as OpenAPI3
  const options = { silent: true, alphabetize: false }
  const ctx: GlobalContext = {
    additionalProperties: false,
    alphabetize: false,
    arrayLength: false,
    defaultNonNullable: true,
    discriminators: scanDiscriminators(schema, options),
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
