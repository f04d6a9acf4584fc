import type { BroadcastEngine } from './engine.js'

/**
 * Which local connections subscribe to which channel: a Set of connections per channel, the
 * structure every broadcast iterates. Tells the engine when a channel gets its first local
 * subscriber and loses its last one. Engine calls for one channel are made in order (add, remove,
 * add, ...), so an engine with one command connection applies them in that order.
 */
export class ChannelRegistry<Member> {
  private readonly channels = new Map<string, { members: Set<Member>; ready: Promise<void> | null }>()

  constructor(
    private readonly engine: BroadcastEngine,
    private readonly onEngineError: (action: string, channel: string, error: unknown) => void,
  ) {}

  members(channel: string): ReadonlySet<Member> | undefined {
    return this.channels.get(channel)?.members
  }

  /**
   * Adds `member` to `channel`. Returns a promise while the engine is still starting to listen to
   * the channel (resolve it before acknowledging the subscribe), otherwise null.
   */
  add(channel: string, member: Member): Promise<void> | null {
    let entry = this.channels.get(channel)
    if (!entry) {
      entry = { members: new Set(), ready: this.callEngine('addChannel', channel) }
      this.channels.set(channel, entry)
      // Forget the promise once settled, so later subscribers do not wait a tick for nothing.
      const settled = entry
      settled.ready?.then(() => {
        settled.ready = null
      })
    }
    entry.members.add(member)
    return entry.ready
  }

  remove(channel: string, member: Member): void {
    const entry = this.channels.get(channel)
    if (!entry?.members.delete(member) || entry.members.size > 0) return
    this.channels.delete(channel)
    void this.callEngine('removeChannel', channel)
  }

  count(channel: string): number {
    return this.channels.get(channel)?.members.size ?? 0
  }

  names(): string[] {
    return [...this.channels.keys()]
  }

  /** Calls the engine; never throws or rejects (failures are reported to `onEngineError`). */
  private callEngine(action: 'addChannel' | 'removeChannel', channel: string): Promise<void> | null {
    try {
      const result = this.engine[action](channel)
      if (!result) return null
      return result.catch((error: unknown) => this.onEngineError(action, channel, error))
    } catch (error) {
      this.onEngineError(action, channel, error)
      return null
    }
  }
}
