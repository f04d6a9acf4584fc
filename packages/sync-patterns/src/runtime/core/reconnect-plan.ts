/**
 * How a client comes back after its server closed with 4012 RESTARTING (a deploy): not with the
 * exponential backoff of an unexplained drop, whose 4th and 5th attempts wait up to 8 and 16 s, but
 * with quick attempts on a fixed beat. Each client picks a random phase in the server's window and
 * tries at `phase`, `phase + window`, `phase + 2 × window`, ... after the close, so whenever the new
 * server starts listening every client's next attempt falls within one window of it, the clients
 * spread evenly over that window (the server accepts about `clients / window` a second, not all at
 * once). These attempts do not count towards giving up; after `RESTART_BEATS` of them, or
 * `RESTART_RETRY_FOR_MS`, without a connection the restart is over by any measure and the ordinary
 * backoff takes over.
 */

/** Most quick attempts after a restart close: 10-40 s at the backend's windows of 1-4 s. */
export const RESTART_BEATS = 10
/** How long the quick attempts go on at most, whatever the window. */
export const RESTART_RETRY_FOR_MS = 60_000

export class RestartReconnectPlan {
  readonly windowMs: number
  readonly #closedAt: number
  readonly #phase: number
  #nextBeat = 0

  constructor(windowMs: number, random: () => number, now: number = Date.now()) {
    this.windowMs = windowMs
    this.#closedAt = now
    this.#phase = random() * windowMs
  }

  /** Ms until the next attempt, or `null` once the quick attempts are over (back to backoff). */
  nextDelay(now: number = Date.now()): number | null {
    const elapsed = now - this.#closedAt
    // The first beat not yet used and not already past (an attempt that failed at once, or one that
    // took longer than a window, waits for the next beat: never two attempts on one beat).
    const beat = Math.max(this.#nextBeat, Math.ceil((elapsed - this.#phase) / this.windowMs))
    this.#nextBeat = beat + 1
    const at = this.#phase + beat * this.windowMs
    // Bounded in number too: Chromium's per-process throttle delays a page's WebSocket attempts by
    // up to 5 s once about 16 failed per one that succeeded, which would slow the ones that matter.
    if (beat >= RESTART_BEATS || at >= RESTART_RETRY_FOR_MS) return null
    return Math.max(0, Math.round(at - elapsed))
  }
}
