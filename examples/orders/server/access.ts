import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { sendProblem } from './problem.js'

/** The cookie `/login?token=` sets, so a browser sends the token with every request and WebSocket. */
export const ACCESS_COOKIE = 'orders_token'

/**
 * Who may use the API and the broadcast (see the README's "Security"). With a `token`, a request needs
 * it (as `Authorization: Bearer`, the `orders_token` cookie, or `?token=` on the WebSocket URL),
 * except, with `trustLoopback`, one from this machine addressed to a loopback host name (the person
 * at the keyboard; the Host check keeps DNS-rebinding pages out). Without a token, everyone may.
 */
export interface Access {
  token: string | undefined
  trustLoopback: boolean
}

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

function hostName(host: string | undefined): string {
  if (!host) return ''
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '')
}

/** A request from this machine, to a loopback host name. */
export function isLoopbackRequest(request: IncomingMessage): boolean {
  return (
    LOOPBACK_ADDRESSES.has(request.socket.remoteAddress ?? '') &&
    LOOPBACK_HOSTS.has(hostName(request.headers.host).toLowerCase())
  )
}

function cookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim())
  }
  return undefined
}

/** The token a request carries: Bearer header, then cookie, then `?token=`. */
export function tokenOf(request: IncomingMessage): string | undefined {
  const auth = request.headers.authorization
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim()
  const fromCookie = cookie(request, ACCESS_COOKIE)
  if (fromCookie) return fromCookie
  const url = request.url ?? ''
  const query = url.indexOf('?')
  return query === -1 ? undefined : (new URLSearchParams(url.slice(query)).get('token') ?? undefined)
}

function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

export function isAuthorized(request: IncomingMessage, access: Access): boolean {
  if (access.token === undefined) return true
  if (access.trustLoopback && isLoopbackRequest(request)) return true
  return sameToken(tokenOf(request), access.token)
}

/**
 * The broadcast's `authenticate`: a browser's upgrade must come from the app's own origin (its
 * `Origin` names the host it connects to; a page elsewhere cannot watch order activity), and the
 * request must be authorized as any API request.
 */
export function broadcastAuthenticate(access: Access, extraOrigins: readonly string[] = []) {
  const extra = new Set(extraOrigins)
  return (request: IncomingMessage): boolean => {
    const origin = request.headers.origin
    if (origin !== undefined && !extra.has(origin)) {
      let host: string
      try {
        host = new URL(origin).host
      } catch {
        return false
      }
      if (host !== request.headers.host) return false
    }
    return isAuthorized(request, access)
  }
}

/**
 * API routes (those with OpenAPI tags) answer 401 without access; the web app's files, `/openapi.json`
 * and `/login` stay open (they hold no data). `GET /login?token=<token>` sets the cookie and goes to
 * the app: the link `npm start` prints.
 */
export function installAccess(app: FastifyInstance, access: Access): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.schema?.tags?.length) return
    if (isAuthorized(request.raw, access)) return
    reply.header('www-authenticate', 'Bearer')
    return sendProblem(reply, request, 401, {
      type: '/problems/unauthorized',
      detail:
        'this server needs its access token: open the login link `npm start` printed, or send Authorization: Bearer <token>',
    })
  })
  app.get<{ Querystring: { token?: string } }>('/login', { schema: { hide: true } }, (request, reply) => {
    const token = request.query.token
    if (access.token === undefined || !sameToken(token, access.token)) {
      return sendProblem(reply, request, 401, {
        type: '/problems/unauthorized',
        detail: 'that is not this server’s access token; use the link `npm start` printed',
      })
    }
    reply.header(
      'set-cookie',
      `${ACCESS_COOKIE}=${encodeURIComponent(access.token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=2592000`,
    )
    return reply.code(303).header('location', '/').send()
  })
}
