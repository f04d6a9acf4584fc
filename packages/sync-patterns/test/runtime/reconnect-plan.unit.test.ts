import { describe, expect, it } from 'vitest'
import {
  RESTART_BEATS,
  RESTART_RETRY_FOR_MS,
  RestartReconnectPlan,
} from '../../src/runtime/core/reconnect-plan.js'

/** Deterministic PRNG (mulberry32) so the spread is reproducible. */
function seeded(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** When a client following `plan` first tries at or after `listenAt` (ms after the close), its attempts failing at once before. */
function firstAttemptAfter(plan: RestartReconnectPlan, listenAt: number): number {
  let now = 0
  for (;;) {
    const delay = plan.nextDelay(now)
    if (delay === null) throw new Error('the quick attempts ended first')
    now += delay
    if (now >= listenAt) return now
    now += 1 // the refused attempt takes a millisecond
  }
}

describe('RestartReconnectPlan', () => {
  it('brings 2,000 clients back within one window of the new server listening, spread evenly over it', () => {
    const random = seeded(7)
    const windowMs = 2000
    for (const listenAt of [0, 1234, 7000, 17_999]) {
      const plans = Array.from({ length: 2000 }, () => new RestartReconnectPlan(windowMs, random, 0))
      const waits = plans.map((plan) => firstAttemptAfter(plan, listenAt) - listenAt)
      expect(Math.max(...waits)).toBeLessThan(windowMs)
      // Ten buckets of 200 ms: each gets about a tenth, none a crowd (no thundering herd).
      const buckets = new Array(10).fill(0)
      for (const wait of waits) buckets[Math.floor(wait / 200)] += 1
      for (const count of buckets) {
        expect(count).toBeGreaterThan(140)
        expect(count).toBeLessThan(260)
      }
    }
  })

  it('never uses a beat twice, even when an attempt fails within the same millisecond', () => {
    const plan = new RestartReconnectPlan(1000, () => 0, 0)
    expect(plan.nextDelay(0)).toBe(0)
    expect(plan.nextDelay(0)).toBe(1000)
    expect(plan.nextDelay(1000)).toBe(1000)
  })

  it('skips beats that passed while an attempt hung', () => {
    const plan = new RestartReconnectPlan(1000, () => 0.25, 0)
    expect(plan.nextDelay(0)).toBe(250)
    expect(plan.nextDelay(3600)).toBe(650) // beats at 1250, 2250, 3250 passed: the next is 4250
  })

  it(`ends after ${RESTART_BEATS} beats: the ordinary backoff takes over`, () => {
    const plan = new RestartReconnectPlan(2000, () => 0.5, 0)
    const delays = Array.from({ length: RESTART_BEATS }, () => plan.nextDelay(0))
    expect(delays).toEqual(Array.from({ length: RESTART_BEATS }, (_, beat) => 1000 + 2000 * beat))
    expect(plan.nextDelay(0)).toBeNull()
  })

  it(`ends after ${RESTART_RETRY_FOR_MS} ms, however wide the window`, () => {
    const plan = new RestartReconnectPlan(30_000, () => 0.5, 0)
    expect(plan.nextDelay(0)).toBe(15_000)
    expect(plan.nextDelay(15_001)).toBe(29_999)
    expect(plan.nextDelay(45_001)).toBeNull() // the beat at 75 s is past 60 s
  })
})
