/**
 * Every retry delay of sync-patterns, from one formula: an exponential window, `baseDelay × 2^attempt`
 * capped at `maxDelay`, and where in that window the delay falls (`jitter`). The browser client's
 * reconnect, its slow retry after giving up, a mutation's retry, and a server's fan-out engine
 * reconnecting to Redis or Postgres all use it. It lives here because the protocol package is the
 * one both sides depend on.
 */
export interface BackoffOptions {
  /** Delay scale of the first attempt in ms (the spec's `reconnectDelay`). */
  baseDelay: number
  /** Upper bound of any delay in ms. */
  maxDelay: number
  /**
   * `full` (default): uniformly random in `[0, window)`, which spreads clients that failed together
   * over the whole window. `equal`: in `[window / 2, window)`, never much sooner than the window.
   * `none`: the window itself, for a single caller that nobody else retries in lockstep with.
   */
  jitter?: 'full' | 'equal' | 'none'
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number
}

/**
 * Delay before attempt `attempt` (0-based) in ms. With the default full jitter it is a uniformly
 * random value in `[0, min(maxDelay, baseDelay * 2^attempt))`: clients that lost their connection at
 * the same moment (a server restart drops all of them) spread over the whole window instead of
 * coming back in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`)
  }
  const window = Math.min(options.maxDelay, options.baseDelay * 2 ** Math.min(attempt, 30))
  const jitter = options.jitter ?? 'full'
  if (jitter === 'none') return window
  const random = (options.random ?? Math.random)()
  return Math.floor(jitter === 'equal' ? window * (0.5 + random / 2) : random * window)
}
