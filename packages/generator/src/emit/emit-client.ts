import type { ApiModel, Entity, Operation } from '../model.js'
import { stringLiteral } from '../string-literal.js'
import { importTypes, propertyKey } from './files.js'
import { header, Imports } from './header.js'
import { arrow, call, comment, line, object, type Piece, property } from './layout.js'

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
    const optional = !op.body.required && !queryRequired
    params.push({ name: 'body', declaration: `body${optional ? '?' : ''}: ${op.body.type}` })
  }
  if (op.queryType)
    params.push({ name: 'params', declaration: `params${queryRequired ? '' : '?'}: ${op.queryType}` })
  const options = op.headersType ? `RequestOptions<${op.headersType}>` : 'RequestOptions'
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
    entity.operations.flatMap((op) => [op.body?.type, op.queryType, op.headersType, op.response.type]),
  )
  const methods = entity.operations.flatMap((op) => {
    const fields: Piece[] = [`method: '${op.method.toUpperCase()}'`, `path: '${op.path}'`]
    if (op.pathParams.length > 0) {
      const pathParams = op.pathParams.map((p) =>
        propertyKey(p.name) === p.id ? p.id : property(propertyKey(p.name), p.id),
      )
      fields.push(property('pathParams', object(pathParams)))
    }
    if (op.queryType) fields.push('query: params')
    if (op.body) fields.push('body')
    if (op.body && op.body.mediaType !== 'application/json')
      fields.push(property('contentType', stringLiteral(op.body.mediaType)))
    fields.push('options')
    const doc = `/** ${op.method.toUpperCase()} ${op.path}${op.summary ? ` — ${op.summary.replace(/\*\//g, '*\\/')}` : ''} */`
    // get: (id: string, options?: RequestOptions) =>
    //   apiRequest<Order>(apiConfig, { method: 'GET', path: '/orders/{id}', pathParams: { id }, options }),
    const request = call('apiRequest', ['apiConfig', object(fields)], [op.response.type])
    const params = clientParams(op).map((p) => p.declaration)
    return [comment(doc), property(propertyKey(op.clientName), arrow(params, request))]
  })
  return `${header(`Typed API client for the ${entity.pascal} endpoints.`)}${imports}
${line(0, `export const ${entity.name}Api = `, object(methods, { expanded: true }))}`
}
