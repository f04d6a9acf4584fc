import { syncOf } from '@pattern-stack/backend-patterns/openapi'
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { PROBLEM_CONTENT_TYPE } from '../problem.js'
import { Problem } from '../schemas/problem.js'
import { ref } from '../schemas/ref.js'
import type { RequestMeta } from '../services/unit-of-work.js'

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON, wrong types, unknown fields or invalid ids; `errors` names the field.',
  404: 'The order, item or contact does not exist.',
  409: 'Version conflict (with `current_version`), duplicate id, illegal transition, an order already at its 100 items, or idempotency key in use.',
  422: 'Well-formed but impossible: unknown menu item or contact, Idempotency-Key reused with another body.',
}

/** Response entries for the given problem statuses, as application/problem+json. */
export function problemResponses(...statuses: (400 | 404 | 409 | 422)[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: PROBLEM_DESCRIPTIONS[status],
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ref(Problem) } },
      },
    ]),
  )
}

export const NoContent = Type.Null({ description: 'Done; no body.' })

/** Headers every mutation understands (lower-case: Fastify validates headers that way). */
export const MutationHeaders = Type.Object({
  'x-broadcast-origin': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[\\x21-\\x7e]+$',
      description:
        'The `origin_token` of your broadcast connection (its `welcome` frame): the broadcasts this request causes carry your connection id as `origin`, so you can skip your own echo. A value that does not verify is ignored.',
    }),
  ),
})

export const PostHeaders = Type.Object({
  ...MutationHeaders.properties,
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description:
        'Replays the first response (status and body) for 24 h; the same key with another body gets 422, while the first is still running 409.',
    }),
  ),
})

/**
 * What a service needs to know about the request: its origin (the connection its
 * `X-Broadcast-Origin` token proves, never the raw header) and its route's x-sync allowance.
 */
export function requestMeta(request: FastifyRequest): RequestMeta {
  return { origin: request.broadcastOrigin, allow: syncOf(request) }
}
