/** What the store keeps per Idempotency-Key. */
export interface IdempotencyRecord {
  /** `requestFingerprint` of the request that reserved the key. */
  requestHash: string
  /** Null while the first request is still running. */
  statusCode: number | null
  /** The first response, byte for byte, and its content type. */
  responseBody: string | null
  contentType: string | null
}

/** The first response to a key, stored for replay. */
export interface StoredResponse {
  statusCode: number
  body: string
  contentType: string | null
}

/**
 * Where `idempotencyPlugin` keeps its keys. Every method is one atomic step, so with a shared store
 * (a database) the plugin works across server instances: of concurrent requests with one key,
 * exactly one reserves it. `drizzleIdempotencyStore` (`/idempotency/drizzle`) keeps them in a
 * Postgres table through Drizzle (PGlite or node-postgres); `MemoryIdempotencyStore` in one
 * process.
 */
export interface IdempotencyStore {
  /**
   * Reserves `key` for the request with `requestHash`: true when this call took it. A record older
   * than `ttlSeconds` no longer counts (it is replaced); any other existing record makes it false.
   */
  reserve(key: string, requestHash: string, ttlSeconds: number): Promise<boolean>
  /** The record of `key`, or undefined (never reserved, expired and replaced, or released). */
  find(key: string): Promise<IdempotencyRecord | undefined>
  /**
   * Takes over a reservation without a stored response that is older than `leaseSeconds` (its
   * process died mid-request) and restarts its clock: true for exactly one of concurrent callers.
   */
  takeOver(key: string, leaseSeconds: number): Promise<boolean>
  /** Stores the first response of the request that reserved `key`. */
  complete(key: string, response: StoredResponse): Promise<void>
  /** Frees `key` (its request failed with 5xx: the change did not happen, a retry may run). */
  release(key: string): Promise<void>
}
