type Json = Record<string, unknown>

interface MemberPresence {
  state: string
  label?: string
}

/** What the hub does with one presence frame: send these to the server, these to members. */
export interface PresenceRouting {
  toServer: Json[]
  toMembers: { members: string[]; data: string }[]
}

/**
 * Presence (docs/protocol.md, "Presence") over a connection the tabs share. The server knows one
 * connection, present on a channel or not; the tabs each join and leave on their own. So the
 * connection announces, per channel, the combination of the tabs present (editing if one edits,
 * else viewing; the first label given), and leaves only when the last tab left. The member lists
 * the server sends reach the tabs present on the channel; a tab joining a channel another tab of
 * the browser is present on already gets the last list at once. Tabs of one browser do not see
 * each other: to the server they are one connection, which never sees itself.
 */
export class TabPresence {
  /** Channel → each present member's own presence, in the order they joined. */
  readonly #present = new Map<string, Map<string, MemberPresence>>()
  /** Channel → what the connection announced (`state|label`). */
  readonly #announced = new Map<string, string>()
  /** Channel → the last member list the server sent (the frame's text). */
  readonly #lists = new Map<string, string>()

  /** The members present on `channel`. */
  membersOn(channel: string): string[] {
    return [...(this.#present.get(channel)?.keys() ?? [])]
  }

  /** A member's `{"presence": {channel, state, label?}}`. */
  fromMember(member: string, frame: Json): PresenceRouting {
    const routing: PresenceRouting = { toServer: [], toMembers: [] }
    const channel = frame.channel
    if (typeof channel !== 'string') {
      routing.toServer.push({ presence: frame }) // the server refuses it, naming the problem
      return routing
    }
    let present = this.#present.get(channel)
    if (frame.state === null || frame.state === undefined) {
      present?.delete(member)
      if (present?.size === 0) this.#present.delete(channel)
      // What the server answers a leave with, now, since the connection may stay present for others.
      routing.toMembers.push({
        members: [member],
        data: JSON.stringify({ presence: { channel, members: [] } }),
      })
    } else {
      if (!present) {
        present = new Map()
        this.#present.set(channel, present)
      }
      const own: MemberPresence = { state: String(frame.state) }
      if (typeof frame.label === 'string') own.label = frame.label
      present.set(member, own)
    }
    const announce = this.#announce(channel)
    if (announce) routing.toServer.push(announce)
    else if (frame.state !== null && frame.state !== undefined) {
      const list = this.#lists.get(channel)
      if (list) routing.toMembers.push({ members: [member], data: list })
    }
    return routing
  }

  /** The server's member list for a channel: the frame goes to the members present on it. */
  fromServer(channel: string, data: string): string[] {
    if (!this.#present.has(channel)) return []
    this.#lists.set(channel, data)
    return this.membersOn(channel)
  }

  /** The server refused the connection's presence on `channel` (limit, forbidden): not announced. */
  refused(channel: string): void {
    this.#announced.delete(channel)
    this.#lists.delete(channel)
  }

  /** A member is gone: its presence ends; what the connection must announce instead. */
  memberGone(member: string): Json[] {
    const frames: Json[] = []
    for (const [channel, present] of [...this.#present]) {
      if (!present.delete(member)) continue
      if (present.size === 0) this.#present.delete(channel)
      const announce = this.#announce(channel)
      if (announce) frames.push(announce)
    }
    return frames
  }

  /** The connection closed: the server forgot its presence. */
  reset(): void {
    this.#present.clear()
    this.#announced.clear()
    this.#lists.clear()
  }

  /** The frame announcing the tabs' combined presence on `channel`, or `null` when unchanged. */
  #announce(channel: string): Json | null {
    const present = this.#present.get(channel)
    let state: string | null = null
    let label: string | undefined
    for (const own of present?.values() ?? []) {
      if (state !== 'editing') state = own.state
      label ??= own.label
    }
    const key = state === null ? null : `${state}|${label ?? ''}`
    if ((this.#announced.get(channel) ?? null) === key) return null
    if (key === null) {
      this.#announced.delete(channel)
      this.#lists.delete(channel)
      return { presence: { channel, state: null } }
    }
    this.#announced.set(channel, key)
    return { presence: label === undefined ? { channel, state } : { channel, state, label } }
  }
}
