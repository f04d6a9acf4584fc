import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DATABASE_RETRY_AFTER_SECONDS, DatabaseHealth, isDatabaseUnavailable } from './db/health.js'
import type { ProblemJson } from './schemas/problem.js'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

/** An error that becomes an RFC 9457 problem response. Services throw these; nothing else leaks. */
export class ProblemError extends Error {
  readonly status: number
  readonly slug: string
  readonly extras: Partial<ProblemJson>

  constructor(status: number, slug: string, detail: string, extras: Partial<ProblemJson> = {}) {
    super(detail)
    this.status = status
    this.slug = slug
    this.extras = extras
  }
}

export const notFound = (entity: string, id: string) =>
  new ProblemError(404, 'not-found', `${entity} ${id} does not exist`)

/** A body field that is well-formed but refers to something impossible (unknown contact, etc.). */
export const unprocessable = (field: string, message: string) =>
  new ProblemError(422, 'unprocessable', `${field}: ${message}`, { errors: [{ field, in: 'body', message }] })

const VALIDATION_PLACE: Record<string, 'body' | 'path' | 'query' | 'header'> = {
  body: 'body',
  params: 'path',
  querystring: 'query',
  headers: 'header',
}

/** Turns Fastify's (Ajv's) validation error into field-named problem entries. */
function validationErrors(error: FastifyError): NonNullable<ProblemJson['errors']> {
  const place = VALIDATION_PLACE[error.validationContext ?? 'body'] ?? 'body'
  return (error.validation ?? []).map((issue) => {
    const path = issue.instancePath.replace(/^\//, '')
    const params = issue.params as Record<string, unknown>
    let field = path
    let message = issue.message ?? 'is invalid'
    if (issue.keyword === 'additionalProperties') {
      field = [path, String(params.additionalProperty)].filter(Boolean).join('/')
      message = 'is not a known field'
    } else if (issue.keyword === 'required') {
      field = [path, String(params.missingProperty)].filter(Boolean).join('/')
      message = 'is required'
    } else if (issue.keyword === 'enum') {
      message = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`
    }
    return { field: field || place, in: place, message }
  })
}

function problemFromError(error: FastifyError | ProblemError | Error): {
  status: number
  body: Omit<ProblemJson, 'status' | 'title'>
} {
  if (error instanceof ProblemError) {
    return {
      status: error.status,
      body: { type: `/problems/${error.slug}`, detail: error.message, ...error.extras },
    }
  }
  const fastifyError = error as FastifyError
  if (fastifyError.validation) {
    const errors = validationErrors(fastifyError)
    const detail = errors.map((e) => `${e.in === 'body' ? '' : `${e.in} `}${e.field} ${e.message}`).join('; ')
    return { status: 400, body: { type: '/problems/validation', detail, errors } }
  }
  const status = fastifyError.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    if (
      error instanceof SyntaxError ||
      fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
    ) {
      return {
        status: 400,
        body: {
          type: '/problems/malformed-json',
          detail: `request body is not valid JSON: ${error.message}`,
          errors: [{ field: 'body', in: 'body', message: 'is not valid JSON' }],
        },
      }
    }
    return {
      status,
      body: {
        type: `/problems/${(fastifyError.code ?? 'client-error').toLowerCase()}`,
        detail: error.message,
      },
    }
  }
  return {
    status: 500,
    body: { type: '/problems/internal', detail: 'the server failed; nothing was changed' },
  }
}

/** Sends `problem` as application/problem+json. */
export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  body: Omit<ProblemJson, 'status' | 'title'>,
) {
  const problem: ProblemJson = { title: TITLES[status] ?? 'Error', status, ...body, instance: request.url }
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem))
}

/**
 * Every error (thrown, validation, malformed JSON, unknown route) leaves as application/problem+json.
 * A database that cannot be reached is 503 with `Retry-After` (nothing was changed; retry then),
 * logged once per outage through `health`, not as a stack per request.
 */
export function installProblemHandlers(
  app: FastifyInstance,
  health = new DatabaseHealth((line) => app.log.error(line)),
) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isDatabaseUnavailable(error)) {
      health.failed(error)
      reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
      return sendProblem(reply, request, 503, {
        type: '/problems/database-unavailable',
        detail: `the database cannot be reached; nothing was changed. Retry in ${DATABASE_RETRY_AFTER_SECONDS} s`,
      })
    }
    const { status, body } = problemFromError(error)
    if (status >= 500) request.log.error({ err: error }, 'request failed')
    return sendProblem(reply, request, status, body)
  })
  // The first API answer after an outage says the database is back (one line).
  app.addHook('onResponse', async (request, reply) => {
    if (health.isDown && reply.statusCode < 300 && request.routeOptions.schema?.tags?.length) {
      health.succeeded()
    }
  })
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, 404, {
      type: '/problems/no-route',
      detail: `no route ${request.method} ${request.url.split('?')[0]}`,
    }),
  )
}

/**
 * Fastify's own refusals of a URL before any route runs (`frameworkErrors`): a path parameter longer
 * than `maxParamLength` (414) and a URL that does not decode (400), as problems.
 */
export function frameworkErrorProblem(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400
  return sendProblem(reply, request, status, {
    type: status === 414 ? '/problems/uri-too-long' : '/problems/bad-url',
    detail:
      status === 414
        ? 'a path parameter of this URL is too long; ids are UUIDs'
        : `the URL is not valid: ${error.message}`,
  })
}

/**
 * Node's HTTP parser refusals (`clientErrorHandler`): headers too large (431), a request that
 * timed out (408), anything unparsable (400), as problem+json written straight to the socket,
 * since no request object exists yet.
 */
export function clientErrorProblem(error: Error & { code?: string }, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
  const body = JSON.stringify({
    title: TITLES[status],
    status,
    type: `/problems/${status === 431 ? 'headers-too-large' : status === 408 ? 'request-timeout' : 'malformed-request'}`,
    detail:
      status === 431
        ? 'the request headers (or the URL) are larger than the server accepts'
        : status === 408
          ? 'the request was not received in time'
          : 'the request is not valid HTTP',
  })
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}
