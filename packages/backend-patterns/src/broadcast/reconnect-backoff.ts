/** How long to wait before reconnect attempt number `attempt` (1-based) of a fan-out engine. */
export interface ReconnectBackoff {
  /** First delay in ms (default 100). */
  initialMs?: number
  /** Largest delay in ms (default 5000). */
  maxMs?: number
}

/**
 * Exponential backoff with jitter: doubles from `initialMs` up to `maxMs`, then randomizes the
 * upper half so that many instances losing the same server do not reconnect in lockstep.
 */
export function reconnectDelay(attempt: number, backoff: ReconnectBackoff = {}): number {
  const initialMs = backoff.initialMs ?? 100
  const maxMs = backoff.maxMs ?? 5000
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30)
  const ceiling = Math.min(maxMs, initialMs * 2 ** exponent)
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
}
