import openapiTS, { astToString } from 'openapi-typescript'
import { header } from './header.js'

/** `schemas/openapi.ts`: every path and component as TypeScript types, by openapi-typescript. */
export async function emitOpenApiTypes(document: Record<string, unknown>): Promise<string> {
  // openapi-typescript takes the bundled document object (external refs already inlined).
  const ast = await openapiTS(structuredClone(document) as never, { silent: true, alphabetize: true })
  return (
    header('TypeScript types of every path and schema of the API (openapi-typescript).') + astToString(ast)
  )
}
