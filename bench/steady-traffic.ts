/**
 * bench:invalidation's steady-traffic scenario (issue 15): the event schedule, and the latency
 * coalescing adds to each change as a client sees it.
 *
 * Like a busy restaurant: a few orders are changed again and again, every 100–300 ms each (tablets
 * adding items to the same order), while other orders get a lone change, one every 100–300 ms on
 * the channel, each to an order that had no event before. The schedule is drawn from a fixed seed,
 * so every group replays the same one.
 */

export interface SteadyEvent {
  /** ms after the start */
  at: number
  /** `hot` i (changed again and again) or `lone` i (changed once) */
  kind: 'hot' | 'lone'
  index: number
}

export interface SteadySchedule {
  events: SteadyEvent[]
  hotCount: number
  loneCount: number
}

/** mulberry32: a small seeded PRNG, so the schedule is the same in every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function steadySchedule({
  durationMs,
  hotCount,
  minGapMs = 100,
  maxGapMs = 300,
  seed = 15,
}: {
  durationMs: number
  hotCount: number
  minGapMs?: number
  maxGapMs?: number
  seed?: number
}): SteadySchedule {
  const random = seeded(seed)
  const gap = () => minGapMs + random() * (maxGapMs - minGapMs)
  const events: SteadyEvent[] = []
  for (let index = 0; index < hotCount; index++) {
    for (let at = gap(); at < durationMs; at += gap()) events.push({ at, kind: 'hot', index })
  }
  let loneCount = 0
  for (let at = gap(); at < durationMs; at += gap()) events.push({ at, kind: 'lone', index: loneCount++ })
  events.sort((x, y) => x.at - y.at)
  return { events, hotCount, loneCount }
}

/**
 * For each event a client received (`arrivals`, its clock), the wait until the first GET of that
 * entity that started at or after it (`getStarts`): the GET that can see the change. That wait is
 * what coalescing (and waiting out a fetch already in flight) adds; `Infinity` if none started.
 */
export function addedLatencies(arrivals: readonly number[], getStarts: readonly number[]): number[] {
  const starts = [...getStarts].sort((x, y) => x - y)
  return arrivals.map((at) => (starts.find((start) => start >= at) ?? Number.POSITIVE_INFINITY) - at)
}

/** Nearest-rank percentile (p in 0–100) of `values`; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number
}
