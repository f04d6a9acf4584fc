import { backoffDelay } from '@pattern-stack/sync-protocol'

/** How long to wait before reconnect attempt number `attempt` (1-based) of a fan-out engine. */
export interface ReconnectBackoff {
  /** First delay in ms (default 100). */
  initialMs?: number
  /** Largest delay in ms (default 5000). */
  maxMs?: number
}

/**
 * Exponential backoff with equal jitter (the protocol package's `backoffDelay`): doubles from
 * `initialMs` up to `maxMs`, each delay in the upper half of its window, so that many instances
 * losing the same server do not reconnect in lockstep, and none comes back much sooner than asked.
 */
export function reconnectDelay(attempt: number, backoff: ReconnectBackoff = {}): number {
  return backoffDelay(Math.max(attempt, 1) - 1, {
    baseDelay: backoff.initialMs ?? 100,
    maxDelay: backoff.maxMs ?? 5000,
    jitter: 'equal',
  })
}
