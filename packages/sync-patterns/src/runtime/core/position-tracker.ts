/** Positions above the contiguous prefix remembered per channel; past it they are forgotten (only costs refetches). */
const MAX_POSITIONS_ABOVE = 10_000

/**
 * What the client has seen of one channel's positions: every position up to `base` (its contiguous
 * prefix; `null` until the server told a starting point), and the ones above it seen so far.
 */
interface ChannelPositions {
  base: number | null
  above: Set<number>
  /** The history epoch these positions were counted in (from a `subscribed` ack), if known. */
  epoch?: string
}

/**
 * The positions a client has seen per channel (docs/protocol.md, "Positions and recovery"): which
 * broadcasts are duplicates, where to ask `recover` from, and whether one is missing. Kept across
 * reconnects; a channel left is forgotten.
 */
export class PositionTracker {
  readonly #channels = new Map<string, ChannelPositions>()

  #channel(channel: string): ChannelPositions {
    let positions = this.#channels.get(channel)
    if (!positions) {
      positions = { base: null, above: new Set() }
      this.#channels.set(channel, positions)
    }
    return positions
  }

  /** Records a broadcast's position; `false` when every change up to it was seen already (a duplicate). */
  see(channel: string, position: number): boolean {
    const positions = this.#channel(channel)
    if (positions.base !== null && position <= positions.base) return false
    if (positions.above.size >= MAX_POSITIONS_ABOVE) positions.above.clear()
    positions.above.add(position)
    absorb(positions)
    return true
  }

  /** Everything on `channel` up to `position` is accounted for (an ack, a recovery). */
  advanceTo(channel: string, position: number): void {
    const positions = this.#channel(channel)
    if (positions.base === null || position > positions.base) positions.base = position
    absorb(positions)
  }

  /** A position above the base is missing while later ones were seen (a broadcast late or lost). */
  hasGap(channel: string): boolean {
    const positions = this.#channels.get(channel)
    return positions !== undefined && positions.base !== null && positions.above.size > 0
  }

  /** The position up to which every change on `channel` was seen, or `null` when unknown. */
  base(channel: string): number | null {
    return this.#channels.get(channel)?.base ?? null
  }

  /**
   * The server named `channel`'s history epoch. `true` when the positions remembered were counted
   * in another one (the log started over, e.g. a database reset: the same numbers now mean other
   * changes): they are forgotten, and the caller refetches the channel in full. Positions counted
   * while the epoch was unknown count as another epoch too, unless there were none yet.
   */
  startsOver(channel: string, epoch: string): boolean {
    const positions = this.#channel(channel)
    if (positions.epoch === epoch) return false
    const counted = positions.epoch !== undefined || (positions.base ?? 0) > 0 || positions.above.size > 0
    positions.epoch = epoch
    if (!counted) return false
    positions.base = null
    positions.above.clear()
    return true
  }

  /** Forgets `channel` (left, or its positions no longer mean anything). */
  forget(channel: string): void {
    this.#channels.delete(channel)
  }

  /** Per channel with a known base, that base. */
  toRecord(): Record<string, number> {
    const record: Record<string, number> = {}
    for (const [channel, positions] of this.#channels) {
      if (positions.base !== null) record[channel] = positions.base
    }
    return record
  }
}

function absorb(positions: ChannelPositions): void {
  if (positions.base === null) return
  for (const position of positions.above) if (position <= positions.base) positions.above.delete(position)
  while (positions.above.delete(positions.base + 1)) positions.base += 1
}
