/**
 * Channels whose broadcasts a fan-out engine had to drop because its publish connection was down.
 *
 * When the whole server (Redis, Postgres) goes down, every instance's listener reconnects and
 * resyncs its own channels, which covers the dropped broadcasts. But when only this instance's
 * publish path failed, the listeners elsewhere never noticed. So once publishing works again the
 * engine sends one resync notice naming these channels on a control channel every instance
 * listens to, and each instance resyncs the ones it has subscribers for.
 *
 * Bounded: past `limit` distinct channels it stops naming them and asks for a resync of all.
 */
export class DroppedBroadcasts {
  private readonly channels = new Set<string>()
  private overflowed = false

  constructor(private readonly limit = 1000) {}

  get isEmpty(): boolean {
    return !this.overflowed && this.channels.size === 0
  }

  record(channel: string): void {
    if (this.overflowed) return
    this.channels.add(channel)
    if (this.channels.size > this.limit) {
      this.overflowed = true
      this.channels.clear()
    }
  }

  /** Takes the recorded notice (and forgets it); `put back` with `restore` if sending fails. */
  take(): ResyncNotice | null {
    if (this.isEmpty) return null
    const notice: ResyncNotice = this.overflowed ? { all: true } : { channels: [...this.channels] }
    this.channels.clear()
    this.overflowed = false
    return notice
  }

  restore(notice: ResyncNotice): void {
    if (notice.all) {
      this.overflowed = true
      this.channels.clear()
    } else for (const channel of notice.channels ?? []) this.record(channel)
  }
}

/** Body of a message on an engine's control channel: resync these channels, or all of them. */
export interface ResyncNotice {
  channels?: string[]
  all?: true
}

/** Encodes a notice as one or more messages, each at most `maxBytes` bytes long. */
export function encodeResyncNotices(notice: ResyncNotice, maxBytes = Number.POSITIVE_INFINITY): string[] {
  if (notice.all) return [JSON.stringify({ all: true })]
  const messages: string[] = []
  const envelopeBytes = Buffer.byteLength(JSON.stringify({ channels: [] }))
  let batch: string[] = []
  let batchBytes = envelopeBytes
  for (const channel of notice.channels ?? []) {
    const channelBytes = Buffer.byteLength(JSON.stringify(channel)) + (batch.length > 0 ? 1 : 0)
    if (batch.length > 0 && batchBytes + channelBytes > maxBytes) {
      messages.push(JSON.stringify({ channels: batch }))
      batch = []
      batchBytes = envelopeBytes
    }
    batchBytes += Buffer.byteLength(JSON.stringify(channel)) + (batch.length > 0 ? 1 : 0)
    batch.push(channel)
  }
  if (batch.length > 0) messages.push(JSON.stringify({ channels: batch }))
  return messages
}

/**
 * The local channels a received notice asks to resync, or `[]` for a message that is not a
 * notice (another program publishing on the control channel must not break the engine).
 */
export function channelsToResync(message: string, local: Iterable<string>): string[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(message)
  } catch {
    return []
  }
  if (typeof parsed !== 'object' || parsed === null) return []
  const notice = parsed as ResyncNotice
  if (notice.all === true) return [...local]
  if (!Array.isArray(notice.channels)) return []
  const named = new Set(notice.channels)
  return [...local].filter((channel) => named.has(channel))
}
