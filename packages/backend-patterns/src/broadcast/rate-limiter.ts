/** One clock for every limiter: a bound function per connection cost memory on each (issue 16). */
const performanceNow = () => performance.now()

/**
 * Token bucket: `ratePerSecond` tokens refill per second, up to a burst of `ratePerSecond`.
 * One token per inbound frame; `take()` is false when the bucket is empty.
 */
export class RateLimiter {
  private tokens: number
  private last: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = performanceNow,
  ) {
    this.tokens = ratePerSecond
    this.last = now()
  }

  take(): boolean {
    const now = this.now()
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond)
    this.last = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
