/** Reconnect delays: exponential backoff with full jitter, capped. */
export interface BackoffOptions {
  /** Delay scale of the first attempt in ms (the spec's `reconnectDelay`). */
  baseDelay: number
  /** Upper bound of any delay in ms. */
  maxDelay: number
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number
}

/**
 * Delay before reconnect attempt `attempt` (0-based): a uniformly random value in
 * `[0, min(maxDelay, baseDelay * 2^attempt))` ("full jitter"). The randomness spreads clients that
 * lost their connection at the same moment (a server restart drops all of them) over the whole
 * window, so they do not come back in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`)
  }
  const ceiling = Math.min(options.maxDelay, options.baseDelay * 2 ** Math.min(attempt, 30))
  const random = options.random ?? Math.random
  return Math.floor(random() * ceiling)
}
