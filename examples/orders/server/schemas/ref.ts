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

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

/** The same schema with a description (shown as the OpenAPI response description). */
export const described = <T extends TSchema>(schema: T, description: string): T => ({
  ...schema,
  description,
})
