/**
 * One entry of a FastAPI (pydantic v1 or v2) 422 body, `{"detail": [{"loc": ["body", "quantity"],
 * "msg": "field required", "type": "value_error.missing"}]}`; pydantic v2 adds `input`, `ctx`, `url`.
 */
export interface ValidationIssue {
  loc: (string | number)[]
  msg: string
  type: string
  [key: string]: unknown
}

/**
 * The error a generated API client throws for a non-2xx response. `status` is the HTTP status
 * (409 for a stale `version`), `body` the parsed response body (an RFC 9457 problem document
 * when the server sends `application/problem+json`, FastAPI's `{"detail": ...}` otherwise).
 * FastAPI's validation errors name their fields in the message (`POST /orders/ failed with 422:
 * quantity: field required`), and stay available as `validationErrors`.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly status: number
  readonly body: unknown
  readonly method: string
  readonly url: string
  /**
   * The response's `Retry-After`, in ms, when it had one: the server says the request may succeed
   * if repeated then (a 503, a 429, or a 409 for an Idempotency-Key whose first request still runs).
   */
  readonly retryAfterMs: number | undefined
  /** FastAPI's validation errors (`body.detail`, when it is a list of `{loc, msg, type}`); else undefined. */
  readonly validationErrors: ValidationIssue[] | undefined

  constructor(init: { status: number; body: unknown; method: string; url: string; retryAfterMs?: number }) {
    super(describe(init))
    this.status = init.status
    this.body = init.body
    this.method = init.method
    this.url = init.url
    this.retryAfterMs = init.retryAfterMs
    this.validationErrors = validationIssues(init.body)
  }
}

/** `Retry-After` (delay in seconds, or an HTTP date) as ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  const text = value?.trim()
  if (!text) return undefined
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError
}

function describe({
  status,
  body,
  method,
  url,
}: {
  status: number
  body: unknown
  method: string
  url: string
}) {
  const problem = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
  const issues = validationIssues(body)
  const detail = issues
    ? issues.map((issue) => `${fieldName(issue.loc)}: ${issue.msg}`).join('; ')
    : [problem.title, problem.detail, problem.message].find((v) => typeof v === 'string')
  return `${method} ${url} failed with ${status}${detail ? `: ${String(detail)}` : ''}`
}

/** `body.detail` when it is FastAPI's list of validation errors (every entry has a `loc` list and a `msg`). */
function validationIssues(body: unknown): ValidationIssue[] | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const detail = (body as Record<string, unknown>).detail
  if (!Array.isArray(detail) || detail.length === 0) return undefined
  const valid = detail.every(
    (issue) =>
      typeof issue === 'object' &&
      issue !== null &&
      Array.isArray(issue.loc) &&
      issue.loc.every((part: unknown) => typeof part === 'string' || typeof part === 'number') &&
      typeof issue.msg === 'string',
  )
  return valid ? (detail as ValidationIssue[]) : undefined
}

const locations = new Set(['body', 'query', 'path', 'header', 'cookie'])

/**
 * The field a `loc` names: `["body", "items", 0, "quantity"]` → `items[0].quantity`; a parameter
 * says where it is (`["query", "limit"]` → `limit (query)`); a whole body is `body`.
 */
function fieldName(loc: (string | number)[]): string {
  const [first, ...rest] = loc
  const located = typeof first === 'string' && locations.has(first) && rest.length > 0
  const parts = located ? rest : loc
  const path = parts
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('')
  return located && first !== 'body' ? `${path} (${first})` : path || String(first ?? '')
}
