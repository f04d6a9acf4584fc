import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../src/index.js'

/** Deterministic PRNG (mulberry32) so the spread test is reproducible. */
function seeded(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('backoffDelay', () => {
  const options = { baseDelay: 1000, maxDelay: 8000 }

  it('doubles the window per attempt and caps it', () => {
    const top = { ...options, random: () => 0.999999 }
    expect([0, 1, 2, 3, 4, 5, 40].map((attempt) => backoffDelay(attempt, top))).toEqual([
      999, 1999, 3999, 7999, 7999, 7999, 7999,
    ])
  })

  it('is full jitter: anywhere from 0 to the window', () => {
    expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(0)
    expect(backoffDelay(3, { ...options, random: () => 0.5 })).toBe(4000)
  })

  it('spreads 1,000 clients dropped together over the whole window', () => {
    const random = seeded(42)
    const delays = Array.from({ length: 1000 }, () => backoffDelay(3, { ...options, random }))
    const buckets = new Array(10).fill(0)
    for (const delay of delays) buckets[Math.floor(delay / 800)] += 1
    // Uniform over [0, 8000): every 800 ms bucket gets roughly a tenth, none a crowd.
    for (const count of buckets) {
      expect(count).toBeGreaterThan(50)
      expect(count).toBeLessThan(150)
    }
  })

  it('equal jitter stays in the upper half of the window; none is the window itself', () => {
    expect(backoffDelay(2, { ...options, jitter: 'equal', random: () => 0 })).toBe(2000)
    expect(backoffDelay(2, { ...options, jitter: 'equal', random: () => 0.999999 })).toBe(3999)
    // A mutation's retry: 250 ms doubling, at most 4 s.
    const retry = { baseDelay: 250, maxDelay: 4000, jitter: 'none' } as const
    expect([0, 1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, retry))).toEqual([
      250, 500, 1000, 2000, 4000, 4000,
    ])
  })

  it('refuses a bad attempt number', () => {
    expect(() => backoffDelay(-1, options)).toThrow(/non-negative integer/)
    expect(() => backoffDelay(1.5, options)).toThrow(/non-negative integer/)
  })
})
