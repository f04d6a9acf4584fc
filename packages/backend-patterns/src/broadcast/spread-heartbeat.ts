/** Longest gap between two heartbeat slices (ms). */
const MAX_SLICE_MS = 50

/**
 * Visits every item once per `intervalMs`, spread over the interval in small slices instead of
 * all at once: a ping loop over 19,900 sockets in one go took 0.8 s (issue 16), and any broadcast
 * that landed behind it waited as long. Every `sliceMs` (a tenth of the interval, at most 50 ms)
 * it visits as many items of the current round as are due by then, in order, so each item is
 * visited about `intervalMs` after its previous visit and one slice holds about
 * `items × sliceMs / intervalMs` of them (19,000 sockets, 30 s: 32 per 50 ms). A round is a
 * snapshot taken when the previous one is done and `intervalMs` has passed since it began; items
 * added meanwhile wait for the next round.
 */
export class SpreadHeartbeat<T> {
  readonly sliceMs: number
  private round: T[] = []
  private cursor = 0
  private roundStartedAt = Number.NEGATIVE_INFINITY
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly intervalMs: number,
    private readonly items: () => Iterable<T>,
    private readonly visit: (item: T) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sliceMs = Math.max(1, Math.min(MAX_SLICE_MS, Math.floor(intervalMs / 10)))
  }

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => this.tick(), this.sliceMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.round = []
    this.cursor = 0
  }

  /** One slice: starts a round when due, then visits the items due by now. */
  tick(): void {
    const now = this.now()
    if (this.cursor >= this.round.length) {
      if (now - this.roundStartedAt < this.intervalMs) return
      this.round = [...this.items()]
      this.cursor = 0
      this.roundStartedAt = now
    }
    const elapsed = now - this.roundStartedAt + this.sliceMs
    const due = Math.min(this.round.length, Math.ceil((this.round.length * elapsed) / this.intervalMs))
    while (this.cursor < due) {
      const item = this.round[this.cursor] as T
      this.round[this.cursor] = undefined as T // let a closed connection be collected
      this.cursor += 1
      this.visit(item)
    }
  }
}
