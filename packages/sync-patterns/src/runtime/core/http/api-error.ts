/**
 * The error a generated API client throws for a non-2xx response. `status` is the HTTP status
 * (409 for a stale `version`), `body` the parsed response body (an RFC 9457 problem document
 * when the server sends `application/problem+json`).
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

  constructor(init: { status: number; body: unknown; method: string; url: string; retryAfterMs?: number }) {
    super(describe(init))
    this.status = init.status
    this.body = init.body
    this.method = init.method
    this.url = init.url
    this.retryAfterMs = init.retryAfterMs
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
  const detail = [problem.title, problem.detail, problem.message].find((v) => typeof v === 'string')
  return `${method} ${url} failed with ${status}${detail ? `: ${String(detail)}` : ''}`
}
