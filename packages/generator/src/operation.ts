/** One operation of the model: parameters, body, response, optimistic kind. */

import { jsonMedia, pickRequestMedia, successMedia } from './media-types.js'
import type {
  Body,
  Entity,
  Operation,
  OperationRole,
  OptimisticKind,
  Param,
  ParamStyle,
  ParamStyles,
} from './model.js'
import { camelCase, identifier, pascalCase } from './naming.js'
import type { Names } from './operation-names.js'
import { checkHint, defaultKind } from './optimistic-kind.js'
import { isParam, type RawOperation } from './paths.js'
import { fail, type Locator, readOptimisticHint } from './read-x-sync.js'
import {
  deref,
  isNullable,
  isNumericSchema,
  isObject,
  type Json,
  objectProperties,
  withoutNull,
} from './schema-utils.js'
import { stringLiteral } from './string-literal.js'
import { type Aliases, typeOf } from './type-names.js'
import { DEFAULT_VERSION_FIELD, isLockingVersion } from './version-field.js'

export function successSchema(
  doc: Json,
  node: Json,
): { status: string; media: string; schema: unknown } | undefined {
  const responses = isObject(node.responses) ? node.responses : {}
  const codes = Object.keys(responses)
    .filter((c) => /^2\d\d$|^2XX$/i.test(c))
    .sort()
  for (const status of codes) {
    const response = deref(doc, responses[status])
    const content = isObject(response) && isObject(response.content) ? response.content : undefined
    const media = content && Object.keys(content).find((m) => jsonMedia.test(m))
    if (content && media) {
      const mediaObject = content[media]
      return { status, media, schema: isObject(mediaObject) ? mediaObject.schema : undefined }
    }
  }
  return undefined
}

/** Roles whose hooks are query hooks: only there may a path parameter be an array or an object. */
const queryRoles = new Set<OperationRole>(['list', 'get', 'query', 'child-list', 'child-get'])

/** Headers the runtime sets on every request that needs them (apiRequest). */
const runtimeHeaders = new Set(['idempotency-key', 'x-broadcast-origin'])

const defaultStyles: Record<string, string> = {
  path: 'simple',
  query: 'form',
  header: 'simple',
  cookie: 'form',
}
const locationStyles: Record<string, string[]> = {
  path: ['simple', 'label', 'matrix'],
  query: ['form', 'spaceDelimited', 'pipeDelimited', 'deepObject'],
  header: ['simple'],
  cookie: ['form'],
}

/**
 * A parameter's `style`/`explode`/`allowReserved` where they differ from its location's defaults
 * (`simple` for path and header, `form` for query and cookie; `explode` true for `form` only), or
 * undefined. A style the location does not allow is warned about and the default used.
 */
function paramStyle(p: Json, warn: (message: string) => void): ParamStyle | undefined {
  const location = String(p.in)
  const base = defaultStyles[location]
  if (!base) return undefined
  let style = typeof p.style === 'string' ? p.style : base
  if (!locationStyles[location]?.includes(style)) {
    warn(`${location} parameter ${String(p.name)}: style ${style} is not defined there; sent as ${base}`)
    style = base
  }
  const result: ParamStyle = {}
  if (style !== base) result.style = style
  // deepObject is exploded by definition; spaceDelimited and pipeDelimited are defined unexploded
  if (typeof p.explode === 'boolean' && style !== 'deepObject' && p.explode !== (style === 'form'))
    result.explode = p.explode
  if (location === 'query' && p.allowReserved === true) result.allowReserved = true
  return Object.keys(result).length ? result : undefined
}

function isStructured(doc: Json, node: unknown): boolean {
  const schema = deref(doc, withoutNull(deref(doc, node)))
  return (
    isObject(schema) && (schema.type === 'array' || schema.type === 'object' || isObject(schema.properties))
  )
}

export function buildOperation(
  doc: Json,
  raw: RawOperation,
  role: OperationRole,
  names: Names,
  entity: Entity,
  entityProps: Map<string, { schema: unknown; required: boolean }>,
  aliases: Aliases,
  locator: Locator,
): Operation {
  const pointer = ['paths', raw.path, raw.method]
  const op = `paths[${stringLiteral(raw.path)}][${stringLiteral(raw.method)}]`
  const toParam = (p: Json): Param => ({
    name: String(p.name),
    id: identifier(String(p.name)),
    required: p.in === 'path' || p.required === true,
    tsType: isNumericSchema(doc, p.schema)
      ? 'number'
      : p.in === 'path' && queryRoles.has(role) && isStructured(doc, p.schema)
        ? (typeOf(
            p.schema,
            `${names.typeBase}${pascalCase(String(p.name))}Param`,
            entity.name,
            aliases,
            `${op}['parameters']['path'][${stringLiteral(String(p.name))}]`,
          ) ?? 'string')
        : 'string',
  })
  const warnings: string[] = []
  let styles: ParamStyles | undefined
  for (const p of raw.params) {
    const style = paramStyle(p, (message) =>
      warnings.push(`${raw.method.toUpperCase()} ${raw.path}: ${message}`),
    )
    if (!style) continue
    const location = String(p.in) as keyof ParamStyles
    styles ??= {}
    styles[location] = { ...styles[location], [String(p.name)]: style }
  }
  // A name used twice in the path (`/a/{id}/b/{id}`) is one parameter with one value.
  const pathOrder = [...new Set([...raw.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]))]
  const pathParams = pathOrder.map((name) => {
    const declared = raw.params.find((p) => p.in === 'path' && p.name === name)
    if (!declared) fail(`path parameter {${name}} is not declared in parameters`, pointer, locator)
    return toParam(declared)
  })
  const queryParams = raw.params.filter((p) => p.in === 'query').map(toParam)
  /** The alias of one location's parameters object, such as `ListOrdersParams`, when it has any. */
  const parametersType = (location: 'query' | 'header' | 'cookie', suffix: string, count: number) =>
    count > 0
      ? typeOf(
          undefined,
          `${names.typeBase}${suffix}`,
          entity.name,
          aliases,
          `NonNullable<${op}['parameters'][${stringLiteral(location)}]>`,
        )
      : undefined
  const queryType = parametersType('query', 'Params', queryParams.length)
  // Header parameters the runtime does not send itself are typed in the client's `options.headers`.
  const headerParams = raw.params.filter(
    (p) => p.in === 'header' && !runtimeHeaders.has(String(p.name).toLowerCase()),
  )
  const headersType = parametersType('header', 'Headers', headerParams.length)
  const cookieParams = raw.params.filter((p) => p.in === 'cookie')
  const cookiesType = parametersType('cookie', 'Cookies', cookieParams.length)

  let body: Body | undefined
  if (cookieParams.length > 0)
    warnings.push(
      `${raw.method.toUpperCase()} ${raw.path}: cookie parameter${cookieParams.length > 1 ? 's' : ''} ${cookieParams.map((p) => String(p.name)).join(', ')} (options.cookies) can only be sent outside browsers; a browser sends the cookies it holds for the API's origin`,
    )
  const requestBody = deref(doc, raw.node.requestBody)
  const content =
    isObject(requestBody) && isObject(requestBody.content) && Object.keys(requestBody.content).length > 0
      ? requestBody.content
      : undefined
  if (content && raw.method === 'get')
    warnings.push(
      `GET ${raw.path}: the request body is not sent; fetch, in browsers and in Node, refuses a body on GET`,
    )
  else if (content) {
    const picked = pickRequestMedia(doc, content)
    if ('unsupported' in picked) {
      const types = picked.unsupported.join(', ')
      warnings.push(
        `${raw.method.toUpperCase()} ${raw.path}: request body ${types} is not supported (JSON, form, multipart, text and binary are); the client method takes no body`,
      )
    } else {
      const { media, kind, schema } = picked
      const expression = `NonNullable<${op}['requestBody']>['content'][${stringLiteral(media)}]`
      // Binary and text bodies are what fetch sends as they are; the others are typed by their schema.
      const type =
        kind === 'binary'
          ? 'Blob | ArrayBuffer | Uint8Array'
          : kind === 'text'
            ? 'string'
            : (typeOf(schema, `${names.typeBase}Body`, entity.name, aliases, expression) ?? 'unknown')
      const props = kind === 'binary' || kind === 'text' ? new Map() : objectProperties(doc, schema)
      body = {
        type,
        required: isObject(requestBody) && requestBody.required === true,
        // A wildcard type with a JSON schema is sent as application/json.
        mediaType: kind === 'json' && media.includes('*') ? 'application/json' : media,
        kind,
        properties: props.size ? [...props.keys()] : undefined,
        nullable: isObject(schema) && isNullable(doc, deref(doc, schema) as Json),
        lockingVersion: isLockingVersion(doc, props, DEFAULT_VERSION_FIELD),
        schema,
      }
    }
  }

  const success = successMedia(doc, raw.node)
  let response: Operation['response'] = { type: 'void' }
  if (success?.kind === 'json') {
    const status = /^\d+$/.test(success.status) ? success.status : stringLiteral(success.status)
    const expression = `${op}['responses'][${status}]['content'][${stringLiteral(success.media)}]`
    response = {
      type:
        typeOf(success.schema, `${names.typeBase}Response`, entity.name, aliases, expression) ?? 'unknown',
    }
  } else if (success)
    response = {
      type: success.kind === 'binary' ? 'Blob' : 'string',
      read: success.kind === 'binary' ? 'blob' : 'text',
    }
  // The default Accept (application/json, application/problem+json) unless the success types differ.
  if (success && !(success.accept.length === 1 && success.accept[0] === 'application/json'))
    response.accept = [...new Set([...success.accept, 'application/problem+json'])].join(', ')

  const subPath = raw.rest.slice(1)
  const sub = subPath[0]
  let childField: string | undefined
  if (sub && !isParam(sub)) childField = [sub, camelCase(sub)].find((f) => entityProps.has(f))

  const xSync = raw.node['x-sync']
  const hint = readOptimisticHint(xSync, [...pointer, 'x-sync'], locator)
  const synced = raw.sync !== undefined
  let optimistic: OptimisticKind = 'none'
  if (synced && raw.sync?.localFirst) optimistic = defaultKind(role)
  if (hint) {
    if (!synced && hint.kind !== 'none')
      fail(
        'x-sync.optimistic needs an x-sync path (with local_first: true)',
        [...pointer, 'x-sync', 'optimistic'],
        locator,
      )
    optimistic = hint.kind
    if (hint.field) childField = hint.field
    checkHint(optimistic, role, raw, body, childField, [...pointer, 'x-sync', 'optimistic'], locator)
  }
  if (
    (optimistic === 'add-child' || optimistic === 'update-child' || optimistic === 'remove-child') &&
    !childField
  ) {
    optimistic = 'none' // the parent schema has no such array property: nothing to patch
  }
  if (optimistic === 'add-child' && !body) optimistic = 'none'

  return {
    method: raw.method,
    path: raw.path,
    pointer: pointer.join('/'),
    operationId: typeof raw.node.operationId === 'string' ? raw.node.operationId : undefined,
    summary: typeof raw.node.summary === 'string' ? raw.node.summary : undefined,
    role,
    ...names,
    pathParams,
    queryParams,
    queryType,
    headersType,
    cookiesType,
    styles,
    body,
    response,
    subPath,
    childField,
    optimistic,
    row: undefined,
    changes: undefined,
    synced,
    warnings,
  }
}
