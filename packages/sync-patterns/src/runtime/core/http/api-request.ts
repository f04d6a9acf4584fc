import { ORIGIN_HEADER } from '@pattern-stack/sync-protocol'
import { getBroadcastOrigin } from '../broadcast-origin.js'
import { ApiError, parseRetryAfter } from './api-error.js'
import {
  type ParamStyle,
  type ParamStyles,
  serializeCookies,
  serializeHeaderParam,
  serializePathParam,
  serializeQuery,
} from './serialize-params.js'

/** Where and how a generated client sends its requests. Generated code keeps one per output folder. */
export interface ApiConfig {
  /** Prefix of every request path, such as `https://api.example.com` (default: same origin). */
  baseUrl: string
  /** Extra headers for every request (auth, tenant); a function is called per request. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>)
  /** The fetch to use (default: the global one at call time). */
  fetch?: typeof fetch
  /** The broadcast connection's origin token to send as `X-Broadcast-Origin`, so this client can skip its own echo. */
  origin?: () => string | null | undefined
}

/** Per-call options every generated client method accepts as its last argument. */
/**
 * A header (or cookie) value as a spec declares it; sent as text (arrays and objects in the
 * `simple` style, `a,b`), and left out when undefined.
 */
export type HeaderValue =
  | string
  | number
  | boolean
  | undefined
  | ReadonlyArray<string | number | boolean>
  | { readonly [key: string]: string | number | boolean | undefined }

/**
 * Per-request options. `Headers` and `Cookies` are an operation's declared header and cookie
 * parameters (generated clients pass them): typed, and optional, since `apiConfig.headers` may send
 * them with every request.
 */
export interface RequestOptions<
  Headers extends object = Record<never, never>,
  Cookies extends object = Record<never, never>,
> {
  headers?: Partial<Headers> & Record<string, HeaderValue>
  /**
   * Cookie parameters, sent as one `Cookie` header (`form` style) where the platform lets fetch set
   * it (Node, Deno, Bun, React Native). Browsers do not: there the cookies the browser holds for the
   * API's origin are sent (`credentials`), and these are left out with a console warning.
   */
  cookies?: Partial<Cookies> & Record<string, HeaderValue>
  signal?: AbortSignal
  /** Sent as `Idempotency-Key`; mutation hooks pass one key per `mutate` call, reused by its retries. */
  idempotencyKey?: string
}

export type QueryValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | ReadonlyArray<string | number | boolean>

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS'
  /** Path with `{name}` placeholders, such as `/orders/{order_id}`. */
  path: string
  pathParams?: Record<string, unknown>
  query?: object
  /** Parameters serialized other than by the defaults (`simple` path and header, `form` query and cookie). */
  styles?: ParamStyles
  body?: unknown
  /**
   * Media type of the body (default `application/json`); it decides the encoding (`encodeBody`):
   * JSON types are stringified, `application/x-www-form-urlencoded` is sent as URLSearchParams,
   * `multipart/form-data` as FormData, `text/*` as the string, anything else as the bytes given.
   */
  contentType?: string
  /** The `Accept` header (default `application/json, application/problem+json`). */
  accept?: string
  /**
   * How a 2xx body is read: `blob` (binary responses) and `text` as such; by default it is parsed
   * when the response says JSON, else returned as text. Error bodies are always read the default way.
   */
  responseType?: 'blob' | 'text'
  options?: RequestOptions | undefined
}

/** A config; by default requests name the app's broadcast connection (`initBroadcast` / `BroadcastProvider`). */
export function createApiConfig(initial: Partial<ApiConfig> = {}): ApiConfig {
  return { baseUrl: '', origin: () => getBroadcastOrigin(), ...initial }
}

/** Sends one request and returns the body (parsed, or as `responseType` says); throws ApiError for a non-2xx status. */
export async function apiRequest<T>(config: ApiConfig, request: ApiRequest): Promise<T> {
  const url =
    config.baseUrl.replace(/\/$/, '') +
    buildPath(request.path, request.pathParams, request.styles?.path) +
    buildQuery(request.query, request.styles?.query)
  const headers: Record<string, string> = {
    accept: request.accept ?? 'application/json, application/problem+json',
  }
  const shared = typeof config.headers === 'function' ? await config.headers() : config.headers
  Object.assign(headers, shared)
  const headerStyles = new Map(
    Object.entries(request.styles?.header ?? {}).map(([name, style]) => [name.toLowerCase(), style]),
  )
  for (const [name, value] of Object.entries(request.options?.headers ?? {})) {
    const text = serializeHeaderParam(value, headerStyles.get(name.toLowerCase()))
    if (text !== undefined) headers[name] = text
  }
  const cookie = serializeCookies(request.options?.cookies, request.styles?.cookie)
  if (cookie) {
    if (isBrowser()) warnCookies()
    else headers.cookie = cookie
  }
  const origin = config.origin?.()
  if (origin) headers[ORIGIN_HEADER] = origin
  if (request.options?.idempotencyKey) headers['Idempotency-Key'] = request.options.idempotencyKey
  let body: BodyInit | undefined
  if (request.body !== undefined) {
    const encoded = encodeBody(request.body, request.contentType ?? 'application/json')
    body = encoded.body
    // multipart: fetch writes the content type itself, with the boundary
    if (encoded.contentType) headers['content-type'] = encoded.contentType
  }
  const doFetch = config.fetch ?? globalThis.fetch
  const response = await doFetch(url, {
    method: request.method,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(request.options?.signal ? { signal: request.options.signal } : {}),
  })
  if (!response.ok) {
    const parsed = await readBody(response)
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
    throw new ApiError({ status: response.status, body: parsed, method: request.method, url, retryAfterMs })
  }
  if (request.responseType && response.status !== 204 && response.status !== 205)
    return (request.responseType === 'blob' ? await response.blob() : await response.text()) as T
  return (await readBody(response)) as T
}

/**
 * A request body as fetch sends it, and its content type, by media type: JSON types stringified;
 * `application/x-www-form-urlencoded` as URLSearchParams and `multipart/form-data` as FormData from
 * an object (arrays repeat the key, `undefined` and `null` are left out, nested objects go as JSON
 * text; multipart sends Blob and File values as files); `text/*` as text; anything else (binary)
 * as the Blob, ArrayBuffer or typed array given. A URLSearchParams or FormData is sent as is. A
 * wildcard type (`*\/*`, `image/*`) is replaced by the Blob's own type, or
 * `application/octet-stream`.
 */
export function encodeBody(value: unknown, mediaType: string): { body: BodyInit; contentType?: string } {
  const media = mediaType.split(';')[0]?.trim().toLowerCase() ?? ''
  if (media === 'multipart/form-data') {
    if (value instanceof FormData) return { body: value }
    const form = new FormData()
    for (const [key, item] of entries(value)) {
      if (item instanceof Blob) form.append(key, item)
      else form.append(key, fieldText(item))
    }
    return { body: form }
  }
  if (media === 'application/x-www-form-urlencoded') {
    if (value instanceof URLSearchParams) return { body: value, contentType: mediaType }
    const search = new URLSearchParams()
    for (const [key, item] of entries(value)) search.append(key, fieldText(item))
    return { body: search, contentType: mediaType }
  }
  if (/json/.test(media)) return { body: JSON.stringify(value), contentType: mediaType }
  if (typeof value === 'string')
    return { body: value, contentType: mediaType.includes('*') ? 'text/plain' : mediaType }
  if (value instanceof Blob || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const own = value instanceof Blob && value.type ? value.type : 'application/octet-stream'
    return { body: value as BodyInit, contentType: mediaType.includes('*') ? own : mediaType }
  }
  if (value instanceof FormData || value instanceof URLSearchParams) return { body: value }
  return {
    body: JSON.stringify(value),
    contentType: mediaType.includes('*') ? 'application/json' : mediaType,
  }
}

/** The fields of a form body: one entry per array item; `undefined` and `null` left out. */
function* entries(value: unknown): Generator<[string, unknown]> {
  if (typeof value !== 'object' || value === null) return
  for (const [key, field] of Object.entries(value)) {
    for (const item of Array.isArray(field) ? field : [field])
      if (item !== undefined && item !== null) yield [key, item]
  }
}

function fieldText(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/**
 * Fills `{name}` placeholders, each value percent-encoded in its style (`simple` by default, or
 * `label`/`matrix`, see serialize-params.ts); a missing one is a programming error.
 */
export function buildPath(
  template: string,
  params: Record<string, unknown> = {},
  styles: Record<string, ParamStyle> = {},
): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined || value === null)
      throw new TypeError(`Missing path parameter "${name}" for ${template}`)
    return serializePathParam(name, value, styles[name])
  })
}

/**
 * Serializes query parameters, each by its style: `form` exploded by default (arrays repeat the
 * key, as FastAPI and Fastify expect); see serialize-params.ts for the others.
 */
export function buildQuery(query: object | undefined, styles: Record<string, ParamStyle> = {}): string {
  return serializeQuery(query, styles)
}

function isBrowser(): boolean {
  return typeof window !== 'undefined' && typeof document !== 'undefined'
}

let cookieWarned = false
function warnCookies(): void {
  if (cookieWarned) return
  cookieWarned = true
  console.warn(
    'sync-patterns: cookie parameters are not sent from a browser (fetch cannot set Cookie); the browser sends the cookies it holds for the API origin',
  )
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 205) return undefined
  const text = await response.text()
  if (text === '') return undefined
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('json')) {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}
