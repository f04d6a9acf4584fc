import { launchChromium } from '../examples/orders/test/browser/support/browser.js'

export interface LatencySeries {
  label: string
  color: string
  values: number[]
}

/** A dashed vertical line at `at` ms, labelled. */
export interface LatencyTarget {
  at: number
  label: string
}

/**
 * Log-scale histograms of latency distributions (share of each series' samples per bin), drawn as
 * SVG and photographed by chromium into `path` (a PNG). bench:e2e and bench:e2e-browser draw theirs
 * with it.
 */
export async function plotLatencyHistograms(options: {
  path: string
  title: string
  series: LatencySeries[]
  targets: LatencyTarget[]
  /** The axis' ends in ms (default 0.01 and 5000). */
  min?: number
  max?: number
}): Promise<void> {
  const { series } = options
  const width = 900
  // The legend gets its own band above the plot, so it never hides a distribution.
  const legendTop = 36
  const height = 400 + series.length * 22
  const pad = { left: 60, right: 20, top: legendTop + series.length * 22 + 16, bottom: 60 }
  const min = options.min ?? 0.01
  const max = options.max ?? 5000
  const bins = 60
  const logMin = Math.log10(min)
  const logMax = Math.log10(max)
  const x = (v: number) =>
    pad.left + ((Math.log10(Math.max(min, v)) - logMin) / (logMax - logMin)) * (width - pad.left - pad.right)
  const histograms = series.map((s) => {
    const counts = new Array<number>(bins).fill(0)
    for (const v of s.values) {
      const bin = Math.floor(
        ((Math.log10(Math.max(min, Math.min(max, v))) - logMin) / (logMax - logMin)) * (bins - 1),
      )
      counts[bin] = (counts[bin] ?? 0) + 1
    }
    return counts.map((c) => c / Math.max(1, s.values.length))
  })
  const peak = Math.max(...histograms.flat())
  const y = (share: number) => height - pad.bottom - (share / peak) * (height - pad.top - pad.bottom)
  const binX = (i: number) => x(10 ** (logMin + (i / (bins - 1)) * (logMax - logMin)))
  const paths = histograms.map((h, k) => {
    const points = h.map((share, i) => `${binX(i).toFixed(1)},${y(share).toFixed(1)}`).join(' ')
    const s = series[k] as (typeof series)[number]
    return `<polyline fill="none" stroke="${s.color}" stroke-width="2.5" points="${points}"/>`
  })
  const ticks = [0.01, 0.1, 1, 10, 100, 1000, 10_000]
    .filter((t) => t >= min && t <= max)
    .map(
      (t) =>
        `<line x1="${x(t)}" x2="${x(t)}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#ddd"/>` +
        `<text x="${x(t)}" y="${height - pad.bottom + 20}" text-anchor="middle">${t} ms</text>`,
    )
    .join('')
  const targets = options.targets
    .map(
      // Each label a line lower than the previous one, so labels of close targets do not overlap.
      (t, k) =>
        `<line x1="${x(t.at)}" x2="${x(t.at)}" y1="${pad.top}" y2="${height - pad.bottom}" stroke="#555" stroke-dasharray="5 4"/>` +
        `<text x="${x(t.at) + 4}" y="${pad.top + 12 + k * 14}" fill="#555" font-size="11">${t.label}</text>`,
    )
    .join('')
  const legend = series
    .map(
      (s, k) =>
        `<rect x="${pad.left}" y="${legendTop + k * 22}" width="14" height="14" fill="${s.color}"/>` +
        `<text x="${pad.left + 20}" y="${legendTop + 12 + k * 22}">${s.label}</text>`,
    )
    .join('')
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">
  <rect width="100%" height="100%" fill="white"/>
  <text x="${pad.left}" y="24" font-size="16" font-weight="bold">${options.title}</text>
  ${ticks}
  ${targets}
  <line x1="${pad.left}" x2="${width - pad.right}" y1="${height - pad.bottom}" y2="${height - pad.bottom}" stroke="#333"/>
  ${paths.join('\n')}
  ${legend}
  <text x="${width / 2}" y="${height - 15}" text-anchor="middle">latency (log scale)</text>
</svg>`
  const browser = await launchChromium()
  try {
    const page = await browser.newPage({ viewport: { width, height } })
    await page.setContent(`<!doctype html><body style="margin:0">${svg}</body>`)
    await page.screenshot({ path: options.path, clip: { x: 0, y: 0, width, height } })
  } finally {
    await browser.close()
  }
}
