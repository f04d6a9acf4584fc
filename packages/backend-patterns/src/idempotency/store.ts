/** Printable ASCII without spaces, 1 to 255 characters: the only keys the plugin and the stores accept. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/

/** Whether `key` is a valid Idempotency-Key (`IDEMPOTENCY_KEY_PATTERN`). */
export function isIdempotencyKey(key: unknown): key is string {
  return typeof key === 'string' && IDEMPOTENCY_KEY_PATTERN.test(key)
}

/** Throws a TypeError naming the problem unless `key` is a valid Idempotency-Key. */
export function assertIdempotencyKey(key: unknown): asserts key is string {
  if (!isIdempotencyKey(key)) {
    const shown = typeof key === 'string' ? `${key.length} characters` : typeof key
    throw new TypeError(
      `an Idempotency-Key must be 1 to 255 printable ASCII characters without spaces, got ${shown}`,
    )
  }
}

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
 * exactly one reserves it. Every method refuses a key that is not `IDEMPOTENCY_KEY_PATTERN` with a
 * TypeError (`assertIdempotencyKey`), so nothing unbounded is ever stored or looked up. `drizzleIdempotencyStore` (`/idempotency/drizzle`) keeps them in a
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
  /**
   * Deletes every record older than `ttlSeconds` (they no longer count anyway) and resolves with
   * how many. The plugin calls it every `sweepIntervalSeconds`; a store without it keeps expired
   * records until their key is reserved again.
   */
  sweep?(ttlSeconds: number): Promise<number>
}
