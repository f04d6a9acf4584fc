/**
 * What a server closing with 4012 RESTARTING tells its clients: the window over which to spread
 * their reconnects, as the close reason `{"reconnect_window_ms":2000}` (JSON, well under the
 * 123 bytes a close reason may have). docs/protocol.md is the normative description.
 */

/** The window a client uses when the reason does not name a readable one. */
export const DEFAULT_RESTART_WINDOW_MS = 2000
/** Windows are clamped to this range: a wrong server must not park its clients for minutes. */
export const MIN_RESTART_WINDOW_MS = 100
export const MAX_RESTART_WINDOW_MS = 30_000

/** The close reason of a 4012 RESTARTING close that asks clients to reconnect within `windowMs`. */
export function encodeRestartReason(windowMs: number): string {
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0) {
    throw new TypeError(`a restart window must be a positive number of ms, got ${String(windowMs)}`)
  }
  return JSON.stringify({ reconnect_window_ms: clampWindow(windowMs) })
}

/**
 * The reconnect window of a 4012 close's reason, clamped to [MIN, MAX]; `DEFAULT_RESTART_WINDOW_MS`
 * when the reason is empty or unreadable (a server may say less, never something that breaks us).
 */
export function parseRestartReason(reason: string): number {
  try {
    const parsed: unknown = JSON.parse(reason)
    const windowMs = (parsed as { reconnect_window_ms?: unknown } | null)?.reconnect_window_ms
    if (typeof windowMs === 'number' && Number.isFinite(windowMs) && windowMs > 0)
      return clampWindow(windowMs)
  } catch {
    // not JSON: the default below
  }
  return DEFAULT_RESTART_WINDOW_MS
}

function clampWindow(windowMs: number): number {
  return Math.round(Math.min(MAX_RESTART_WINDOW_MS, Math.max(MIN_RESTART_WINDOW_MS, windowMs)))
}
