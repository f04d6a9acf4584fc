// `@pattern-stack/backend-patterns/idempotency`: the Idempotency-Key Fastify plugin and its store
// interface. Needs no database library; the Drizzle store is on `/idempotency/drizzle`.
export { canonicalJson, requestFingerprint } from './fingerprint.js'
export {
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_KEY_PATTERN,
  type IdempotencyPluginOptions,
  type IdempotencyProblem,
  idempotencyPlugin,
  REPLAY_HEADER,
} from './idempotency-plugin.js'
export { MemoryIdempotencyStore } from './memory-store.js'
export {
  assertIdempotencyKey,
  type IdempotencyRecord,
  type IdempotencyStore,
  isIdempotencyKey,
  type StoredResponse,
} from './store.js'
