/** Statistics and the markdown table of bench:fanout. */
import type { Implementation } from './fanout-servers.js'

export interface Measurement {
  implementation: Implementation
  subscribers: number
  /** Server CPU (user + system) per delivery, one broadcast at a time, µs. */
  cpuPerDeliveryUs: number
  /** Share of that CPU spent in the kernel (the write path of the loopback sockets). */
  systemShare: number
  /** Server CPU per delivery during the bursts, µs. */
  burstCpuPerDeliveryUs: number
  /** Deliveries per second over a burst of back-to-back broadcasts (median of the bursts). */
  burstDeliveriesPerSecond: number
  /** Broadcast → last subscriber received it, one broadcast at a time, ms. */
  timeToLastMs: { median: number; p90: number }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const rank = (p / 100) * (sorted.length - 1)
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (rank - low)
}

export const median = (values: number[]) => percentile(values, 50)

const fmt = (value: number, digits = 1) => value.toFixed(digits)
const thousands = (value: number) => `${Math.round(value / 1000)}k`
const ratio = (value: number) => `${value.toFixed(2)}×`

/** The results table plus the target check of sync-patterns against the two others. */
export function renderTables(results: Measurement[]): string {
  const lines = [
    '| subscribers | server | CPU µs / delivery | of which kernel | burst: deliveries/s | burst: CPU µs / delivery | time to last subscriber: median | p90 |',
    '|---:|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of results) {
    lines.push(
      `| ${r.subscribers.toLocaleString('en-US')} | ${r.implementation} | ${fmt(r.cpuPerDeliveryUs)} | ` +
        `${Math.round(r.systemShare * 100)}% | ` +
        `${thousands(r.burstDeliveriesPerSecond)} | ${fmt(r.burstCpuPerDeliveryUs)} | ` +
        `${fmt(r.timeToLastMs.median)} ms | ${fmt(r.timeToLastMs.p90)} ms |`,
    )
  }
  lines.push(
    '',
    '| subscribers | CPU / delivery vs Socket.IO (target ≤ 0.60×) | burst vs Socket.IO (target ≥ 3×) | CPU / delivery vs plain loop | burst vs plain loop | time to last (median) vs plain loop (target ≤ 1.00×) | vs Socket.IO |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  )
  const counts = [...new Set(results.map((r) => r.subscribers))]
  for (const subscribers of counts) {
    const get = (implementation: Implementation) =>
      results.find((r) => r.subscribers === subscribers && r.implementation === implementation)
    const ours = get('sync-patterns')
    const io = get('socket.io')
    const plain = get('plain-ws')
    if (!ours || !io || !plain) continue
    const check = (value: number, ok: boolean) => `${ratio(value)} ${ok ? '✅' : '❌'}`
    const cpuVsIo = ours.cpuPerDeliveryUs / io.cpuPerDeliveryUs
    const burstVsIo = ours.burstDeliveriesPerSecond / io.burstDeliveriesPerSecond
    const lastVsPlain = ours.timeToLastMs.median / plain.timeToLastMs.median
    lines.push(
      `| ${subscribers.toLocaleString('en-US')} | ${check(cpuVsIo, cpuVsIo <= 0.6)} | ${check(burstVsIo, burstVsIo >= 3)} | ` +
        `${ratio(ours.cpuPerDeliveryUs / plain.cpuPerDeliveryUs)} | ` +
        `${ratio(ours.burstDeliveriesPerSecond / plain.burstDeliveriesPerSecond)} | ` +
        `${check(lastVsPlain, lastVsPlain <= 1)} | ${ratio(ours.timeToLastMs.median / io.timeToLastMs.median)} |`,
    )
  }
  return lines.join('\n')
}
