import {
  assertIdempotencyKey,
  type IdempotencyRecord,
  type IdempotencyStore,
  type StoredResponse,
} from './store.js'

interface Entry extends IdempotencyRecord {
  /** When the key was reserved (or taken over), in ms. */
  reservedAt: number
}

/**
 * Keys in this process's memory: for one instance, tests and development. Records are dropped once
 * expired (on the next `reserve` of the key, and by `sweep`). Use a shared store
 * (`drizzleIdempotencyStore`) when several instances serve the API.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries = new Map<string, Entry>()

  constructor(private readonly now: () => number = Date.now) {}

  async reserve(key: string, requestHash: string, ttlSeconds: number): Promise<boolean> {
    assertIdempotencyKey(key)
    const existing = this.entries.get(key)
    if (existing && this.now() - existing.reservedAt < ttlSeconds * 1000) return false
    this.entries.set(key, {
      requestHash,
      statusCode: null,
      responseBody: null,
      contentType: null,
      reservedAt: this.now(),
    })
    return true
  }

  async find(key: string): Promise<IdempotencyRecord | undefined> {
    assertIdempotencyKey(key)
    const entry = this.entries.get(key)
    if (!entry) return undefined
    const { requestHash, statusCode, responseBody, contentType } = entry
    return { requestHash, statusCode, responseBody, contentType }
  }

  async takeOver(key: string, leaseSeconds: number): Promise<boolean> {
    assertIdempotencyKey(key)
    const entry = this.entries.get(key)
    if (!entry || entry.statusCode !== null || this.now() - entry.reservedAt < leaseSeconds * 1000)
      return false
    entry.reservedAt = this.now()
    return true
  }

  async complete(key: string, response: StoredResponse): Promise<void> {
    assertIdempotencyKey(key)
    const entry = this.entries.get(key)
    if (!entry) return
    entry.statusCode = response.statusCode
    entry.responseBody = response.body
    entry.contentType = response.contentType
  }

  async release(key: string): Promise<void> {
    assertIdempotencyKey(key)
    this.entries.delete(key)
  }

  /** Drops every record older than `ttlSeconds`; resolves with how many. */
  async sweep(ttlSeconds: number): Promise<number> {
    const oldest = this.now() - ttlSeconds * 1000
    let swept = 0
    for (const [key, entry] of this.entries) {
      if (entry.reservedAt <= oldest) {
        this.entries.delete(key)
        swept++
      }
    }
    return swept
  }

  /** Number of records held (expired ones included until swept). */
  get size(): number {
    return this.entries.size
  }
}
