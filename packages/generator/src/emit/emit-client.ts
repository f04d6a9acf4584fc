import type { ApiModel, Entity, Operation, ParamStyles } from '../model.js'
import { stringLiteral } from '../string-literal.js'
import { importTypes, propertyKey } from './files.js'
import { header, Imports } from './header.js'

const runtimeCore = '@pattern-stack/sync-patterns/runtime/core'

/** `client/config.ts`: the base URL, headers and fetch every generated client method uses. */
export function emitClientConfig(): string {
  return `${header('Configuration shared by the generated API clients.')}import { type ApiConfig, createApiConfig } from '${runtimeCore}'

/** Base URL, headers, fetch and broadcast origin of every request the generated clients send. */
export const apiConfig: ApiConfig = createApiConfig()

/** Changes the client configuration, for example \`configureClient({ baseUrl: 'https://api.example.com' })\`. */
export function configureClient(changes: Partial<ApiConfig>): void {
  Object.assign(apiConfig, changes)
}
`
}

/** Parameters of a client method: path params in path order, body, query params, request options. */
export function clientParams(op: Operation): { declaration: string; name: string }[] {
  const params: { declaration: string; name: string }[] = op.pathParams.map((p) => ({
    name: p.id,
    declaration: `${p.id}: ${p.tsType}`,
  }))
  const queryRequired = op.queryParams.some((p) => p.required)
  if (op.body) {
    // An optional body before required query params is passed as undefined.
    const declaration = op.body.required
      ? `body: ${op.body.type}`
      : queryRequired
        ? `body: ${op.body.type} | undefined`
        : `body?: ${op.body.type}`
    params.push({ name: 'body', declaration })
  }
  if (op.queryType)
    params.push({ name: 'params', declaration: `params${queryRequired ? '' : '?'}: ${op.queryType}` })
  const options = op.cookiesType
    ? `RequestOptions<${op.headersType ?? 'Record<never, never>'}, ${op.cookiesType}>`
    : op.headersType
      ? `RequestOptions<${op.headersType}>`
      : 'RequestOptions'
  params.push({ name: 'options', declaration: `options?: ${options}` })
  return params
}

/** `client/<entity>.ts`: `orderApi.list/get/create/update/delete/addItem/...`. */
export function emitClient(model: ApiModel, entity: Entity): string {
  const imports = new Imports()
  imports.add(runtimeCore, 'apiRequest')
  imports.add(runtimeCore, 'RequestOptions', true)
  imports.add('./config', 'apiConfig')
  importTypes(
    model,
    imports,
    'client',
    entity.operations.flatMap((op) => [
      op.body?.type,
      op.queryType,
      op.headersType,
      op.cookiesType,
      op.response.type,
      ...op.pathParams.map((p) => p.tsType),
    ]),
  )
  const methods = entity.operations.map((op) => {
    const fields = [`method: '${op.method.toUpperCase()}'`, `path: '${op.path}'`]
    if (op.pathParams.length > 0) {
      const pathParams = op.pathParams.map((p) => {
        const key = propertyKey(p.name)
        return key === p.id ? p.id : `${key}: ${p.id}`
      })
      fields.push(`pathParams: { ${pathParams.join(', ')} }`)
    }
    if (op.queryType) fields.push('query: params')
    if (op.styles) fields.push(`styles: ${stylesLiteral(op.styles)}`)
    if (op.body) fields.push('body')
    if (op.body && op.body.mediaType !== 'application/json')
      fields.push(`contentType: ${stringLiteral(op.body.mediaType)}`)
    if (op.response.accept) fields.push(`accept: ${stringLiteral(op.response.accept)}`)
    if (op.response.read) fields.push(`responseType: '${op.response.read}'`)
    fields.push('options')
    const params = clientParams(op).map((p) => p.declaration)
    return `  ${docComment(op)}
  ${propertyKey(op.clientName)}: (${params.join(', ')}) =>
    apiRequest<${op.response.type}>(apiConfig, { ${fields.join(', ')} }),
`
  })
  return `${header(`Typed API client for the ${entity.pascal} endpoints.`)}${imports}
export const ${entity.name}Api = {
${methods.join('')}}
`
}

/** `{ query: { tags: { explode: false } } }`: the parameters not serialized by their location's default. */
function stylesLiteral(styles: ParamStyles): string {
  const object = (entries: [string, string][]) =>
    `{ ${entries.map(([key, value]) => `${propertyKey(key)}: ${value}`).join(', ')} }`
  return object(
    Object.entries(styles).map(([location, params]) => [
      location,
      object(
        Object.entries(params ?? {}).map(([name, style]) => [
          name,
          object(
            Object.entries(style).map(([key, value]) => [
              key,
              typeof value === 'string' ? stringLiteral(value) : String(value),
            ]),
          ),
        ]),
      ),
    ]),
  )
}

/** `/** GET /orders/{id} — Get one order *\/`: the operation's method, path and summary. */
export function docComment(op: Operation, after = ''): string {
  const summary = op.summary ? ` — ${op.summary.replace(/\*\//g, '*\\/')}` : ''
  return `/** ${op.method.toUpperCase()} ${op.path}${summary}${after} */`
}
