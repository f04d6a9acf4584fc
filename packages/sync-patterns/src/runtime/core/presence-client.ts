import {
  assertChannelName,
  isPresenceMembersFrame,
  isWelcomeFrame,
  MAX_PRESENCE_LABEL_LENGTH,
  type PresenceMember,
  type PresenceState,
  type ServerFrame,
} from '@pattern-stack/sync-protocol'
import type { BroadcastClient } from './broadcast-client.js'

export type { PresenceMember, PresenceState }

export interface PresenceOptions {
  /** What this client does with the entity (default `'viewing'`). */
  state?: PresenceState
  /** An anonymous name others see ("Tablet B"), 1 to 64 characters. */
  label?: string
}

/** Receives everyone else present on the channel, whenever that changes (`[]` while disconnected). */
export type PresenceListener = (members: PresenceMember[]) => void

/** One participant's presence on a channel: change it, or leave. */
export interface PresenceHandle {
  update(options: PresenceOptions): void
  leave(): void
}

interface Participant {
  state: PresenceState
  label: string | undefined
  listener: PresenceListener
}

interface ChannelPresence {
  participants: Set<Participant>
  /** Everyone else present, as the server last said. */
  members: PresenceMember[]
  /** What this socket last announced (`state|label`), or `null`: nothing yet. */
  announced: string | null
}

/** The presence channel of one entity: `order` + `123` → `order:123`. */
export function presenceChannel(entity: string, id: string | number): string {
  const channel = `${entity}:${id}`
  assertChannelName(channel)
  return channel
}

const clients = new WeakMap<BroadcastClient, PresenceClient>()

/**
 * Who else is viewing or editing an entity (docs/protocol.md "Presence"), over the client's one
 * WebSocket. Several participants of one app on one channel share one announcement: `editing` if any
 * of them edits, the first label given. Announces only to a server whose `welcome` said
 * `presence: true` (a spec-only server hears nothing), again after every reconnect; while
 * disconnected the member lists are empty (the server forgets a closed connection's presence too).
 */
export class PresenceClient {
  readonly #client: BroadcastClient
  readonly #channels = new Map<string, ChannelPresence>()

  /** The one PresenceClient of `client`. */
  static of(client: BroadcastClient): PresenceClient {
    let presence = clients.get(client)
    if (!presence) {
      presence = new PresenceClient(client)
      clients.set(client, presence)
    }
    return presence
  }

  private constructor(client: BroadcastClient) {
    this.#client = client
    client.onFrame((frame) => this.#onFrame(frame))
    client.onStateChange((state) => {
      if (state !== 'connected') this.#forgetConnection()
    })
  }

  /** Joins `channel`'s presence; `listener` hears everyone else present on it. */
  join(channel: string, options: PresenceOptions, listener: PresenceListener): PresenceHandle {
    assertChannelName(channel)
    const participant: Participant = { state: 'viewing', label: undefined, listener }
    applyOptions(participant, options)
    let entry = this.#channels.get(channel)
    if (!entry) {
      entry = { participants: new Set(), members: [], announced: null }
      this.#channels.set(channel, entry)
    }
    entry.participants.add(participant)
    if (entry.members.length > 0) listener(entry.members)
    this.#announce(channel)
    let left = false
    return {
      update: (next) => {
        if (left) return
        applyOptions(participant, next)
        this.#announce(channel)
      },
      leave: () => {
        if (left) return
        left = true
        this.#leave(channel, participant)
      },
    }
  }

  /** Everyone else present on `channel`, as the server last said. */
  members(channel: string): PresenceMember[] {
    return this.#channels.get(channel)?.members ?? []
  }

  #leave(channel: string, participant: Participant): void {
    const entry = this.#channels.get(channel)
    if (!entry?.participants.delete(participant)) return
    if (entry.participants.size > 0) {
      this.#announce(channel)
      return
    }
    this.#channels.delete(channel)
    if (entry.announced !== null) this.#client.sendFrame({ presence: { channel, state: null } })
  }

  /** Sends this app's combined presence on `channel` when it differs from what the socket announced. */
  #announce(channel: string): void {
    const entry = this.#channels.get(channel)
    if (!entry || this.#client.welcome?.presence !== true) return
    let state: PresenceState = 'viewing'
    let label: string | undefined
    for (const participant of entry.participants) {
      if (participant.state === 'editing') state = 'editing'
      label ??= participant.label
    }
    const key = `${state}|${label ?? ''}`
    if (entry.announced === key) return
    const sent = this.#client.sendFrame({
      presence: label === undefined ? { channel, state } : { channel, state, label },
    })
    if (sent) entry.announced = key
  }

  #onFrame(frame: ServerFrame): void {
    if (isWelcomeFrame(frame)) {
      for (const channel of this.#channels.keys()) this.#announce(channel)
    } else if (isPresenceMembersFrame(frame)) {
      const entry = this.#channels.get(frame.presence.channel)
      if (!entry) return // left meanwhile
      this.#setMembers(entry, frame.presence.members)
    }
  }

  /** The socket closed: nothing is announced on the next one yet, and nobody is known present. */
  #forgetConnection(): void {
    for (const entry of this.#channels.values()) {
      entry.announced = null
      if (entry.members.length > 0) this.#setMembers(entry, [])
    }
  }

  #setMembers(entry: ChannelPresence, members: PresenceMember[]): void {
    entry.members = members
    for (const participant of [...entry.participants]) {
      try {
        participant.listener(members)
      } catch {
        // A listener's failure is its own; the others still hear.
      }
    }
  }
}

function applyOptions(participant: Participant, options: PresenceOptions): void {
  const state = options.state ?? 'viewing'
  if (state !== 'viewing' && state !== 'editing') {
    throw new TypeError(`presence state must be "viewing" or "editing", got ${JSON.stringify(state)}`)
  }
  const label = options.label
  if (
    label !== undefined &&
    (typeof label !== 'string' || label.length === 0 || label.length > MAX_PRESENCE_LABEL_LENGTH)
  ) {
    throw new TypeError(
      `presence label must be a string of 1 to ${MAX_PRESENCE_LABEL_LENGTH} characters, got ${JSON.stringify(label)}`,
    )
  }
  participant.state = state
  participant.label = label
}
