import { type Static, type TSchema, Type } from '@sinclair/typebox'

/**
 * A `$ref` to a schema registered with `app.addSchema` (it has an `$id`). Fastify validates and
 * serializes through it, and @fastify/swagger emits it as `#/components/schemas/<$id>`, so
 * generated clients get named types.
 */
export function ref<T extends TSchema & { $id?: string }>(schema: T) {
  if (!schema.$id) throw new TypeError('ref() needs a schema with an $id')
  return Type.Unsafe<Static<T>>({ $ref: `${schema.$id}#` })
}

export const Uuid = (description?: string) =>
  Type.String({ format: 'uuid', ...(description ? { description } : {}) })

export const Timestamp = (description: string) => Type.String({ format: 'date-time', description })

/**
 * Text a client writes: a string without NUL characters, which Postgres cannot store in `text` (so
 * a NUL is a 400 naming the field, not a 500 from the database).
 */
export const Text = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ ...options, pattern: '^[^\\u0000]*$' })

/** Largest `version` (Postgres integer): a larger one could never match a row, so it is a 400. */
export const MAX_VERSION = 2_147_483_647

/** A `version` a client sends back for optimistic locking. */
export const Version = (description: string) =>
  Type.Integer({ minimum: 1, maximum: MAX_VERSION, description })

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

/** The same schema with a description (shown as the OpenAPI response description). */
export const described = <T extends TSchema>(schema: T, description: string): T => ({
  ...schema,
  description,
})
