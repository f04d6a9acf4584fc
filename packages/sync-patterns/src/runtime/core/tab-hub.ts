import type { Logger } from './logger.js'
import type { TabLockManager } from './tab-leader.js'
import {
  LEADER_CHANGED,
  participantLockName,
  participantOf,
  SUB_ORIGIN_SEPARATOR,
  type TabChannel,
  type TabMessage,
} from './tab-messages.js'
import { TabPresence } from './tab-presence.js'
import type { WebSocketConstructor, WebSocketLike } from './types.js'

/** A frame a member sent whose answer the server still owes, oldest first (the server answers in order). */
type Pending =
  | { kind: 'subscribe'; member: string; channels: string[] }
  | { kind: 'recover'; member: string }
  | { kind: 'ping'; member: string; n: unknown }
  | { kind: 'other'; member: string }
  /** The hub's own unsubscribe of channels no member follows any more: its answer goes to nobody. */
  | { kind: 'hub-unsubscribe' }
  /** An answer the hub gives itself, delivered when the server's answers to earlier frames are. */
  | { kind: 'local'; member: string; data: string }

type Json = Record<string, unknown>

/**
 * The leader tab's end of a shared connection: the only real WebSocket of the browser for `url`,
 * multiplexed among the members of every tab (docs/protocol.md says nothing of it; the server sees
 * one ordinary connection):
 *
 * - The connection subscribes to the union of the members' channels; each event and `resync` goes
 *   only to the members following its channel. A member's unsubscribe reaches the server only for
 *   the channels no other member follows; the member gets its `unsubscribed` from the hub.
 * - Every answer (`subscribed`, `recovered`, `pong`, `error`) reaches the member whose frame it
 *   answers: the server answers one connection's frames in order, so the hub keeps the frames it
 *   forwarded in a queue. `already_subscribed` for a channel another member holds is dropped; pings
 *   are renumbered so the members' sequence numbers never collide.
 * - Each member gets its own `welcome`: `connection_id` and `origin_token` with `~<member>`
 *   appended. Its requests then carry `<token>~<member>`, a server that knows sub-origins tags their
 *   broadcasts `<connection id>~<member>`, and only that member skips them as its echo.
 * - When the socket closes, every member is told, and reconnects (through whichever tab leads then).
 * - Presence is combined per channel (`TabPresence`): the connection is present while a tab is.
 * - A tab that closes or crashes says nothing; the hub queues for the Web Lock each participant
 *   holds while it takes part, and when it is granted drops that participant's members (and the
 *   channels only they followed).
 *
 * Frames the hub does not know go to every member (a client ignores what it does not know).
 */
export class TabHub {
  readonly id: string
  readonly #url: string
  readonly #WebSocket: WebSocketConstructor
  readonly #channel: TabChannel
  readonly #logger: Logger
  readonly #locks: TabLockManager
  /** Participants whose presence lock the hub queues for; aborted when the hub stops. */
  readonly #watched = new Set<string>()
  readonly #stopWatching = new AbortController()
  #socket: WebSocketLike | null = null
  #open = false
  #welcome: Json | null = null
  readonly #members = new Set<string>()
  /** Channel → the members following it. */
  readonly #followers = new Map<string, Set<string>>()
  readonly #presence = new TabPresence()
  #pending: Pending[] = []
  #pingSeq = 0
  #stopped = false

  constructor(
    id: string,
    url: string,
    WebSocket: WebSocketConstructor,
    channel: TabChannel,
    locks: TabLockManager,
    logger: Logger,
  ) {
    this.id = id
    this.#locks = locks
    this.#url = url
    this.#WebSocket = WebSocket
    this.#channel = channel
    this.#logger = logger
    channel.onmessage = (event) => this.#onTabMessage(event.data)
    this.#post({ type: 'hub', hub: id })
  }

  /** Members connected through this hub (for tests and inspection). */
  get memberCount(): number {
    return this.#members.size
  }

  /** Closes the real socket, tells every member, and stops listening. */
  stop(): void {
    if (this.#stopped) return
    this.#dropSocket(1000, 'the leader tab stepped down', LEADER_CHANGED)
    this.#stopped = true
    this.#stopWatching.abort()
    this.#channel.onmessage = null
    this.#channel.close()
  }

  #post(message: TabMessage): void {
    if (this.#stopped) return
    try {
      this.#channel.postMessage(message)
    } catch (error) {
      this.#logger.debug?.('could not post to the other tabs', error)
    }
  }

  #sendTo(members: Iterable<string>, data: string): void {
    const to = [...members]
    if (to.length > 0) this.#post({ type: 'frames', members: to, data })
  }

  // ── members ────────────────────────────────────────────────────────────────────────────────

  #onTabMessage(message: TabMessage): void {
    if (this.#stopped || typeof message !== 'object' || message === null) return
    switch (message.type) {
      case 'join':
        this.#join(message.member)
        return
      case 'send':
        if (!this.#members.has(message.member)) {
          // A member of an earlier hub or socket: it must reconnect to find out what it missed.
          this.#post({ type: 'closed', members: [message.member], code: 1006, reason: 'not connected' })
          return
        }
        this.#forward(message.member, message.data)
        return
      case 'leave':
        this.#leave(message.member, message.code)
        return
    }
  }

  #join(member: string): void {
    if (this.#members.has(member)) return
    this.#members.add(member)
    this.#watch(participantOf(member))
    if (!this.#socket) {
      this.#openSocket()
      return
    }
    if (!this.#open) return // told when the socket opens
    this.#post({ type: 'opened', member, hub: this.id })
    if (this.#welcome) this.#sendTo([member], this.#welcomeFor(member))
  }

  /** Queues for `participant`'s presence lock: granted once its tab is gone (or it left). */
  #watch(participant: string): void {
    if (this.#watched.has(participant)) return
    this.#watched.add(participant)
    this.#locks
      .request(
        participantLockName(this.#url, participant),
        { signal: this.#stopWatching.signal },
        async () => {
          this.#watched.delete(participant)
          for (const member of [...this.#members]) {
            if (participantOf(member) === participant) this.#leave(member, 1000)
          }
        },
      )
      .catch(() => {
        // AbortError: the hub stopped.
      })
  }

  #leave(member: string, code: number): void {
    if (!this.#members.delete(member)) return
    if (code !== 1000 && this.#open) {
      // The member found the connection dead (no pong, no open in time): so it is for everyone.
      this.#dropSocket(4000, 'connection lost', { code: 1006, reason: 'connection lost' })
      return
    }
    const emptied: string[] = []
    for (const [channel, followers] of this.#followers) {
      if (followers.delete(member) && followers.size === 0) {
        this.#followers.delete(channel)
        emptied.push(channel)
      }
    }
    if (this.#members.size === 0) {
      this.#dropSocket(1000, 'no tab is connected', { code: 1000, reason: 'no tab is connected' })
      return
    }
    for (const frame of this.#presence.memberGone(member)) this.#sendUnanswered(frame)
    if (emptied.length > 0 && this.#open)
      this.#forwardOwn({ unsubscribe: emptied }, { kind: 'hub-unsubscribe' })
  }

  // ── the real socket ─────────────────────────────────────────────────────────────────────────

  #openSocket(): void {
    let socket: WebSocketLike
    try {
      socket = new this.#WebSocket(this.#url)
    } catch (error) {
      this.#logger.warn?.(`could not open ${this.#url}`, error)
      this.#closeMembers(1006, 'could not open the connection')
      return
    }
    this.#socket = socket
    socket.onopen = (() => {
      if (socket !== this.#socket) return
      this.#open = true
      for (const member of this.#members) this.#post({ type: 'opened', member, hub: this.id })
    }) as never
    socket.onmessage = ((event: { data: unknown }) => {
      if (socket === this.#socket && typeof event.data === 'string') this.#onServerFrame(event.data)
    }) as never
    socket.onclose = ((event: { code?: number; reason?: string }) => {
      if (socket !== this.#socket) return
      this.#reset()
      this.#closeMembers(event.code ?? 1006, event.reason ?? '')
    }) as never
    socket.onerror = (() => {}) as never
  }

  /** Closes the real socket (if any) with `code` and tells every member it closed as `members` says. */
  #dropSocket(code: number, reason: string, members: { code: number; reason: string }): void {
    const socket = this.#socket
    this.#reset()
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null
      try {
        socket.close(code, reason)
      } catch {
        // A socket that never opened may throw; it is gone either way.
      }
    }
    this.#closeMembers(members.code, members.reason)
  }

  #closeMembers(code: number, reason: string): void {
    const members = [...this.#members]
    this.#members.clear()
    if (members.length > 0) this.#post({ type: 'closed', members, code, reason })
  }

  #reset(): void {
    this.#socket = null
    this.#open = false
    this.#welcome = null
    this.#followers.clear()
    this.#presence.reset()
    this.#pending = []
  }

  #welcomeFor(member: string): string {
    const welcome = { ...(this.#welcome as Json) }
    const sub = (value: unknown) =>
      typeof value === 'string' && value !== '' ? `${value}${SUB_ORIGIN_SEPARATOR}${member}` : value
    welcome.connection_id = sub(welcome.connection_id)
    if (welcome.origin_token !== undefined) welcome.origin_token = sub(welcome.origin_token)
    return JSON.stringify({ welcome })
  }

  // ── member → server ─────────────────────────────────────────────────────────────────────────

  #forward(member: string, data: string): void {
    if (!this.#open || !this.#socket) return
    let frame: unknown
    try {
      frame = JSON.parse(data)
    } catch {
      frame = undefined
    }
    const f = (typeof frame === 'object' && frame !== null ? frame : {}) as Json
    if (Array.isArray(f.subscribe)) {
      const channels = f.subscribe.filter((c): c is string => typeof c === 'string')
      for (const channel of channels) this.#follow(channel, member)
      this.#forwardRaw(data, { kind: 'subscribe', member, channels })
    } else if (Array.isArray(f.unsubscribe)) {
      const emptied: string[] = []
      for (const channel of f.unsubscribe) {
        const followers = typeof channel === 'string' ? this.#followers.get(channel) : undefined
        if (followers?.delete(member) && followers.size === 0) {
          this.#followers.delete(channel as string)
          emptied.push(channel as string)
        }
      }
      if (emptied.length > 0) this.#forwardOwn({ unsubscribe: emptied }, { kind: 'hub-unsubscribe' })
      this.#answerLocally(member, JSON.stringify({ unsubscribed: f.unsubscribe }))
    } else if ('ping' in f) {
      this.#pingSeq += 1
      this.#forwardOwn({ ping: this.#pingSeq }, { kind: 'ping', member, n: f.ping })
    } else if (typeof f.presence === 'object' && f.presence !== null) {
      // Answered by member lists (and errors naming the channel), routed by channel, not by order.
      const routing = this.#presence.fromMember(member, f.presence as Json)
      for (const frame of routing.toServer) this.#sendUnanswered(frame)
      for (const { members, data } of routing.toMembers) this.#sendTo(members, data)
    } else if ('recover' in f) {
      this.#forwardRaw(data, { kind: 'recover', member })
    } else {
      this.#forwardRaw(data, { kind: 'other', member })
    }
  }

  #follow(channel: string, member: string): void {
    let followers = this.#followers.get(channel)
    if (!followers) {
      followers = new Set()
      this.#followers.set(channel, followers)
    }
    followers.add(member)
  }

  #unfollow(channel: string, member: string): void {
    const followers = this.#followers.get(channel)
    if (followers?.delete(member) && followers.size === 0) this.#followers.delete(channel)
  }

  #sendUnanswered(frame: Json): void {
    if (!this.#open) return
    try {
      this.#socket?.send(JSON.stringify(frame))
    } catch (error) {
      this.#logger.debug?.('send failed; the close event will reconnect', error)
    }
  }

  #forwardOwn(frame: Json, pending: Pending): void {
    this.#forwardRaw(JSON.stringify(frame), pending)
  }

  #forwardRaw(data: string, pending: Pending): void {
    this.#pending.push(pending)
    try {
      this.#socket?.send(data)
    } catch (error) {
      this.#logger.debug?.('send failed; the close event will reconnect', error)
    }
  }

  #answerLocally(member: string, data: string): void {
    this.#pending.push({ kind: 'local', member, data })
    this.#deliverLocalAnswers()
  }

  /** Local answers at the head of the queue are due: every earlier frame has had its answer. */
  #deliverLocalAnswers(): void {
    while (this.#pending[0]?.kind === 'local') {
      const local = this.#pending.shift() as Extract<Pending, { kind: 'local' }>
      if (this.#members.has(local.member)) this.#sendTo([local.member], local.data)
    }
  }

  // ── server → members ────────────────────────────────────────────────────────────────────────

  #onServerFrame(data: string): void {
    let frame: unknown
    try {
      frame = JSON.parse(data)
    } catch {
      this.#logger.debug?.('ignored a frame from the server that is not JSON')
      return
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return
    const f = frame as Json
    if (typeof f.channel === 'string') {
      this.#sendTo(this.#followers.get(f.channel) ?? [], data)
    } else if (typeof f.welcome === 'object' && f.welcome !== null) {
      this.#welcome = f.welcome as Json
      for (const member of this.#members) this.#sendTo([member], this.#welcomeFor(member))
    } else if (typeof f.presence === 'object' && f.presence !== null) {
      const channel = (f.presence as Json).channel
      this.#sendTo(typeof channel === 'string' ? this.#presence.fromServer(channel, data) : [], data)
    } else if (Array.isArray(f.resync)) {
      this.#toFollowersOf(f.resync, (channels) => JSON.stringify({ resync: channels }))
    } else if ('subscribed' in f || 'unsubscribed' in f || 'recovered' in f || 'pong' in f || 'error' in f) {
      this.#onAnswer(f, data)
    } else {
      this.#sendTo(this.#members, data)
    }
  }

  /** Sends each member a frame naming only the channels (of `channels`) it follows. */
  #toFollowersOf(channels: unknown[], frame: (channels: string[]) => string): void {
    const byMember = new Map<string, string[]>()
    for (const channel of channels) {
      if (typeof channel !== 'string') continue
      for (const member of this.#followers.get(channel) ?? []) {
        const list = byMember.get(member)
        if (list) list.push(channel)
        else byMember.set(member, [channel])
      }
    }
    for (const [member, list] of byMember) this.#sendTo([member], frame(list))
  }

  #onAnswer(f: Json, data: string): void {
    const head = this.#pending[0]
    if ('error' in f) {
      const error = (typeof f.error === 'object' && f.error !== null ? f.error : {}) as Json
      const code = error.code
      const channel = typeof error.channel === 'string' ? error.channel : undefined
      if (head?.kind === 'subscribe' && code === 'already_subscribed') return // another member's channel
      if (head?.kind === 'hub-unsubscribe' && code === 'not_subscribed') return
      const subscribing =
        head?.kind === 'subscribe' && channel !== undefined && head.channels.includes(channel)
      const present = channel === undefined ? [] : this.#presence.membersOn(channel)
      if (present.length > 0 && (code === 'presence_limit' || (code === 'forbidden' && !subscribing))) {
        // The connection's presence on the channel was refused: the answer to a presence frame.
        this.#presence.refused(channel as string)
        this.#sendTo(present, data)
        return
      }
      if (head?.kind === 'subscribe' && code === 'forbidden' && channel && head.channels.includes(channel)) {
        this.#unfollow(channel, head.member)
        this.#sendTo([head.member], data)
        return
      }
      if (!head || code === 'forbidden') {
        // Not an answer: the server revoked a channel (or spoke out of turn). Its followers hear it.
        this.#sendTo(channel ? (this.#followers.get(channel) ?? []) : this.#members, data)
        return
      }
      // The frame was refused as a whole: the answer to the head.
      this.#pending.shift()
      if (head.kind === 'subscribe') for (const refused of head.channels) this.#unfollow(refused, head.member)
      if (head.kind !== 'hub-unsubscribe' && head.kind !== 'local') this.#sendTo([head.member], data)
      this.#deliverLocalAnswers()
      return
    }
    if ('unsubscribed' in f && head?.kind !== 'hub-unsubscribe') {
      // Not an answer: the server dropped these channels (revocation). Their followers hear it.
      const channels = Array.isArray(f.unsubscribed) ? f.unsubscribed : []
      this.#toFollowersOf(channels, (list) => JSON.stringify({ unsubscribed: list }))
      for (const channel of channels) if (typeof channel === 'string') this.#followers.delete(channel)
      return
    }
    if (!head || head.kind === 'local') {
      this.#logger.debug?.(`ignored an answer nobody asked for: ${data.slice(0, 100)}`)
      return
    }
    this.#pending.shift()
    if (head.kind === 'ping') this.#sendTo([head.member], JSON.stringify({ pong: head.n }))
    else if (head.kind !== 'hub-unsubscribe') this.#sendTo([head.member], data)
    this.#deliverLocalAnswers()
  }
}
