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

  constructor(init: { status: number; body: unknown; method: string; url: string }) {
    super(describe(init))
    this.status = init.status
    this.body = init.body
    this.method = init.method
    this.url = init.url
  }
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
