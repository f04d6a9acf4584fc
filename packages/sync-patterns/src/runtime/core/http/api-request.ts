import { ORIGIN_HEADER } from '@pattern-stack/sync-protocol'
import { getBroadcastOrigin } from '../broadcast-origin.js'
import { ApiError, parseRetryAfter } from './api-error.js'

/** Where and how a generated client sends its requests. Generated code keeps one per output folder. */
export interface ApiConfig {
  /** Prefix of every request path, such as `https://api.example.com` (default: same origin). */
  baseUrl: string
  /** Extra headers for every request (auth, tenant); a function is called per request. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>)
  /** The fetch to use (default: the global one at call time). */
  fetch?: typeof fetch
  /** The broadcast connection id to send as `X-Broadcast-Origin`, so this client can skip its own echo. */
  origin?: () => string | null | undefined
}

/** Per-call options every generated client method accepts as its last argument. */
/** A header value as a spec declares it; sent as text, and left out when undefined. */
export type HeaderValue = string | number | boolean | undefined

/**
 * Per-request options. `Headers` is an operation's declared header parameters (generated clients
 * pass them): typed, and optional, since `apiConfig.headers` may send them with every request.
 */
export interface RequestOptions<Headers extends object = Record<never, never>> {
  headers?: Partial<Headers> & Record<string, HeaderValue>
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
  pathParams?: Record<string, string | number>
  query?: object
  body?: unknown
  /** Media type of the JSON body when it is not `application/json`, such as `application/merge-patch+json`. */
  contentType?: string
  options?: RequestOptions | undefined
}

/** A config; by default requests name the app's broadcast connection (`initBroadcast` / `BroadcastProvider`). */
export function createApiConfig(initial: Partial<ApiConfig> = {}): ApiConfig {
  return { baseUrl: '', origin: () => getBroadcastOrigin(), ...initial }
}

/** Sends one request and returns the parsed body; throws ApiError for a non-2xx status. */
export async function apiRequest<T>(config: ApiConfig, request: ApiRequest): Promise<T> {
  const url =
    config.baseUrl.replace(/\/$/, '') +
    buildPath(request.path, request.pathParams) +
    buildQuery(request.query)
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' }
  const shared = typeof config.headers === 'function' ? await config.headers() : config.headers
  Object.assign(headers, shared)
  for (const [name, value] of Object.entries(request.options?.headers ?? {}))
    if (value !== undefined) headers[name] = String(value)
  const origin = config.origin?.()
  if (origin) headers[ORIGIN_HEADER] = origin
  if (request.options?.idempotencyKey) headers['Idempotency-Key'] = request.options.idempotencyKey
  let body: string | undefined
  if (request.body !== undefined) {
    headers['content-type'] = request.contentType ?? 'application/json'
    body = JSON.stringify(request.body)
  }
  const doFetch = config.fetch ?? globalThis.fetch
  const response = await doFetch(url, {
    method: request.method,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(request.options?.signal ? { signal: request.options.signal } : {}),
  })
  const parsed = await readBody(response)
  if (!response.ok) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
    throw new ApiError({ status: response.status, body: parsed, method: request.method, url, retryAfterMs })
  }
  return parsed as T
}

/** Fills `{name}` placeholders, percent-encoding each value; a missing one is a programming error. */
export function buildPath(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined) throw new TypeError(`Missing path parameter "${name}" for ${template}`)
    return encodeURIComponent(String(value))
  })
}

/** Serializes query parameters form-style (arrays repeat the key, as FastAPI and Fastify expect). */
export function buildQuery(query: object | undefined): string {
  if (!query) return ''
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query) as [string, QueryValue][]) {
    if (value === undefined || value === null) continue
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
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
