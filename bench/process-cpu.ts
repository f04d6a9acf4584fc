import { readdirSync, readFileSync } from 'node:fs'

/**
 * CPU time as Linux's /proc counts it, to say who used the cores during a measurement: a process
 * (user + system), all Postgres processes (every backend, whoever it serves), and the machine.
 * Milliseconds; null where /proc is not there (not Linux). Ticks are 10 ms (CLK_TCK 100).
 */
const TICK_MS = 10

/** utime + stime of `pid`, or null once it is gone. */
export function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null
  try {
    return ticksOf(readFileSync(`/proc/${pid}/stat`, 'utf8')) * TICK_MS
  } catch {
    return null
  }
}

/**
 * CPU used by every process named postgres* since the tracker was made. Postgres backends come and
 * go (the pool closes idle connections), and a process's time vanishes with it: `sample()` often
 * (each 250 ms, say) so a backend that exits is counted up to its last sample.
 */
export class PostgresCpuTracker {
  private readonly last = new Map<string, number>()
  private usedTicks = 0
  private readonly readable: boolean

  constructor() {
    const now = postgresTicks()
    this.readable = now !== null
    for (const [pid, ticks] of now ?? []) this.last.set(pid, ticks)
  }

  sample(): void {
    for (const [pid, ticks] of postgresTicks() ?? []) {
      this.usedTicks += ticks - (this.last.get(pid) ?? 0) // a new backend: all its time is since then
      this.last.set(pid, ticks)
    }
  }

  /** Milliseconds used since the tracker was made (as of the last sample), or null without /proc. */
  usedMs(): number | null {
    return this.readable ? this.usedTicks * TICK_MS : null
  }
}

/** pid → utime + stime of every running process named postgres*, or null without /proc. */
function postgresTicks(): Map<string, number> | null {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return null
  }
  const ticks = new Map<string, number>()
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (stat.slice(stat.indexOf('(') + 1).startsWith('postgres')) ticks.set(entry, ticksOf(stat))
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks
}

/** All cores' busy and total time since boot (/proc/stat's first line; idle and iowait are not busy). */
export function machineCpuMs(): { busy: number; total: number } | null {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .split(/\s+/)
      .slice(1, 9)
      .map(Number)
    const total = fields.reduce((a, b) => a + b, 0)
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
    return { busy: (total - idle) * TICK_MS, total: total * TICK_MS }
  } catch {
    return null
  }
}

/** utime + stime from a /proc/<pid>/stat line (fields 14 and 15; the name may hold spaces). */
function ticksOf(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11]) + Number(fields[12])
}
