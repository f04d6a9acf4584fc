// `@pattern-stack/backend-patterns/idempotency/drizzle`: the Idempotency-Key store on a Postgres
// table through Drizzle (PGlite or node-postgres), and the table for your schema.
export {
  createIdempotencyKeysTable,
  drizzleIdempotencyStore,
  IDEMPOTENCY_KEYS_DDL,
  type IdempotencyKeysTable,
  idempotencyKeys,
} from './drizzle-store.js'
