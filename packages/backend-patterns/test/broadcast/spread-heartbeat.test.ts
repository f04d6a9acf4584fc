import { describe, expect, it } from 'vitest'
import { SpreadHeartbeat } from '../../src/broadcast/spread-heartbeat.js'

/** Drives a SpreadHeartbeat by hand on a clock the test moves, one slice at a time. */
function rig(count: number, intervalMs: number) {
  let now = 0
  const items = new Set(Array.from({ length: count }, (_, i) => i))
  const visits: { item: number; at: number }[] = []
  const heartbeat = new SpreadHeartbeat(
    intervalMs,
    () => items,
    (item) => visits.push({ item, at: now }),
    () => now,
  )
  const perSlice: number[] = []
  const run = (ms: number) => {
    for (let t = 0; t < ms; t += heartbeat.sliceMs) {
      const before = visits.length
      heartbeat.tick()
      perSlice.push(visits.length - before)
      now += heartbeat.sliceMs
    }
  }
  return { heartbeat, items, visits, perSlice, run }
}

describe('SpreadHeartbeat', () => {
  it('visits each of 19,000 items once per interval, at most about 32 per 50 ms slice', () => {
    const { heartbeat, visits, perSlice, run } = rig(19_000, 30_000)
    expect(heartbeat.sliceMs).toBe(50)
    run(90_000) // three rounds
    expect(Math.max(...perSlice)).toBeLessThanOrEqual(Math.ceil((19_000 * 50) / 30_000) + 1)
    const byItem = new Map<number, number[]>()
    for (const { item, at } of visits) byItem.set(item, [...(byItem.get(item) ?? []), at])
    expect(byItem.size).toBe(19_000)
    for (const times of byItem.values()) {
      expect(times).toHaveLength(3)
      for (let i = 1; i < times.length; i++) {
        const gap = (times[i] as number) - (times[i - 1] as number)
        expect(gap).toBeGreaterThanOrEqual(30_000 - 50)
        expect(gap).toBeLessThanOrEqual(30_000 + 100)
      }
    }
  })

  it('takes items added during a round in the next one, and never visits one twice in a round', () => {
    const { items, visits, run } = rig(10, 1000)
    run(500)
    items.add(99)
    run(1500)
    expect(visits.filter((v) => v.item === 99)).toEqual([{ item: 99, at: expect.any(Number) }])
    expect(visits.filter((v) => v.item === 99)[0]?.at).toBeGreaterThanOrEqual(1000)
    expect(visits.filter((v) => v.item === 0)).toHaveLength(2)
  })

  it('slices short intervals finely (a tenth of the interval)', () => {
    expect(
      new SpreadHeartbeat(
        40,
        () => [],
        () => {},
      ).sliceMs,
    ).toBe(4)
    expect(
      new SpreadHeartbeat(
        5,
        () => [],
        () => {},
      ).sliceMs,
    ).toBe(1)
  })
})
