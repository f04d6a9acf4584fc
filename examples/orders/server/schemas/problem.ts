import { type Static, Type } from '@sinclair/typebox'

export const ProblemFieldError = Type.Object(
  {
    field: Type.String({ description: 'The offending field, e.g. `quantity` or `items/0/quantity`.' }),
    in: Type.Union([
      Type.Literal('body'),
      Type.Literal('path'),
      Type.Literal('query'),
      Type.Literal('header'),
    ]),
    message: Type.String(),
  },
  { $id: 'ProblemFieldError', additionalProperties: false },
)

/** RFC 9457 problem details, served as application/problem+json for every error. */
export const Problem = Type.Object(
  {
    type: Type.String({
      description: 'URI reference naming the kind of problem, e.g. `/problems/version-conflict`.',
    }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String({ description: 'What went wrong, naming the field or entity.' }),
    instance: Type.Optional(Type.String({ description: 'The request path.' })),
    errors: Type.Optional(
      Type.Array(Type.Unsafe<Static<typeof ProblemFieldError>>({ $ref: 'ProblemFieldError#' })),
    ),
    current_version: Type.Optional(
      Type.Integer({ description: 'On a version conflict: the current version.' }),
    ),
    allowed: Type.Optional(
      Type.Array(Type.String(), { description: 'On an illegal transition: the allowed targets.' }),
    ),
  },
  { $id: 'Problem', additionalProperties: true },
)

export type ProblemJson = Static<typeof Problem>
