import type { Logger } from './logger.js'
import { TabHub } from './tab-hub.js'
import { followTabLeadership, pageLocks, type TabLeadership, type TabLockManager } from './tab-leader.js'
import {
  LEADER_CHANGED,
  openTabChannel,
  participantLockName,
  type TabChannel,
  type TabMessage,
  tabChannelName,
} from './tab-messages.js'
import type { WebSocketConstructor, WebSocketLike } from './types.js'

const CONNECTING = 0
const OPEN = 1
const CLOSED = 3

function randomId(): string {
  return Math.random().toString(36).slice(2, 10).padEnd(8, '0')
}

/**
 * One tab's end of the connection the tabs share: a `WebSocketLike` whose frames travel over a
 * `BroadcastChannel` to the leader tab's `TabHub`, which holds the real socket. To `BroadcastClient`
 * it is an ordinary socket: it opens, carries the protocol's frames (its own `welcome`, answers,
 * the events of its own channels) and closes, and the client reconnects, resubscribes and recovers
 * as it does after any drop.
 */
export class TabMemberSocket implements WebSocketLike {
  readonly id: string
  readyState = CONNECTING
  onopen: ((event: never) => void) | null = null
  onmessage: ((event: never) => void) | null = null
  onclose: ((event: never) => void) | null = null
  onerror: ((event: never) => void) | null = null
  /** The hub this socket is connected through, once open. */
  hub: string | null = null
  readonly #group: TabSocketGroup

  constructor(id: string, group: TabSocketGroup) {
    this.id = id
    this.#group = group
  }

  send(data: string): void {
    if (this.readyState !== OPEN)
      throw new Error(`cannot send on a ${this.readyState === CONNECTING ? 'connecting' : 'closed'} socket`)
    this.#group.post({ type: 'send', member: this.id, data })
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSED) return
    this.readyState = CLOSED
    this.#group.leave(this, code)
    const onclose = this.onclose as ((event: { code: number; reason: string }) => void) | null
    if (onclose) queueMicrotask(() => onclose({ code, reason }))
  }

  /** The hub says the connection is open. */
  opened(hub: string): void {
    if (this.readyState !== CONNECTING) return
    this.readyState = OPEN
    this.hub = hub
    ;(this.onopen as ((event: object) => void) | null)?.({})
  }

  /** A frame for this socket arrived. */
  received(data: string): void {
    if (this.readyState !== OPEN) return
    ;(this.onmessage as ((event: { data: string }) => void) | null)?.({ data })
  }

  /** The hub closed this socket (the real one closed, or the leader changed). */
  closedRemotely(code: number, reason: string): void {
    if (this.readyState === CLOSED) return
    this.readyState = CLOSED
    this.#group.forget(this)
    ;(this.onclose as ((event: { code: number; reason: string }) => void) | null)?.({ code, reason })
  }
}

/**
 * Everything one participant (one `BroadcastClient` in one tab) needs to share the connection to
 * `url`: its `BroadcastChannel`, its place in the leader election, its member sockets, and, while it
 * leads, the hub.
 */
class TabSocketGroup {
  readonly #url: string
  readonly #WebSocket: WebSocketConstructor
  readonly #locks: TabLockManager
  readonly #logger: Logger
  readonly #id = randomId()
  #channel: TabChannel | undefined
  #leadership: TabLeadership | undefined
  #hub: TabHub | undefined
  readonly #members = new Map<string, TabMemberSocket>()
  #nextMember = 1
  /** Holding the presence lock (see `participantLockName`): members may join only then. */
  #present = false
  #presence: AbortController | undefined
  #leavePresence: (() => void) | undefined

  constructor(url: string, WebSocket: WebSocketConstructor, locks: TabLockManager, logger: Logger) {
    this.#url = url
    this.#WebSocket = WebSocket
    this.#locks = locks
    this.#logger = logger
  }

  /** The hub, while this participant leads (for tests and inspection). */
  get hub(): TabHub | undefined {
    return this.#hub
  }

  open(): TabMemberSocket {
    const name = tabChannelName(this.#url)
    if (!this.#channel) {
      const channel = openTabChannel(name)
      if (!channel) throw new Error('BroadcastChannel is gone')
      channel.onmessage = (event) => this.#onMessage(event.data)
      this.#channel = channel
    }
    this.#holdPresence()
    this.#leadership ??= followTabLeadership(this.#locks, name, () => this.#lead())
    this.#leadership.start()
    const member = new TabMemberSocket(`${this.#id}-${this.#nextMember++}`, this)
    this.#members.set(member.id, member)
    if (this.#present) this.post({ type: 'join', member: member.id })
    return member
  }

  /**
   * Takes the presence lock before any member joins, so that the hub, queueing for it, is granted
   * it only once this participant is gone: its tab closed, crashed, or the client disconnected.
   */
  #holdPresence(): void {
    if (this.#presence) return
    const controller = new AbortController()
    this.#presence = controller
    this.#locks
      .request(
        participantLockName(this.#url, this.#id),
        { signal: controller.signal },
        () =>
          new Promise<void>((release) => {
            if (this.#presence !== controller) return release()
            this.#present = true
            this.#leavePresence = release
            for (const member of this.#members.values()) {
              if (member.readyState === CONNECTING) this.post({ type: 'join', member: member.id })
            }
          }),
      )
      .catch(() => {
        // AbortError: retired before the lock was granted.
      })
  }

  post(message: TabMessage): void {
    try {
      this.#channel?.postMessage(message)
    } catch (error) {
      this.#logger.debug?.('could not post to the other tabs', error)
    }
  }

  /**
   * The client closed `member`. With code 1000 (`BroadcastClient.disconnect()`) and no other member
   * left, this participant leaves the election: a client that wants no connection leads nothing.
   * Any other code is a client about to reconnect, which keeps its place.
   */
  leave(member: TabMemberSocket, code: number): void {
    this.#members.delete(member.id)
    this.post({ type: 'leave', member: member.id, code })
    if (code === 1000 && this.#members.size === 0) this.#retire()
  }

  forget(member: TabMemberSocket): void {
    this.#members.delete(member.id)
  }

  #retire(): void {
    this.#leadership?.stop()
    this.#leadership = undefined
    this.#presence?.abort()
    this.#presence = undefined
    this.#present = false
    this.#leavePresence?.()
    this.#leavePresence = undefined
    const channel = this.#channel
    this.#channel = undefined
    if (channel) {
      channel.onmessage = null
      channel.close()
    }
  }

  #lead(): () => void {
    const channel = openTabChannel(tabChannelName(this.#url))
    if (!channel) return () => {}
    this.#logger.debug?.(`this tab now holds the connection to ${this.#url} for the others`)
    const hub = new TabHub(
      `${this.#id}h${randomId()}`,
      this.#url,
      this.#WebSocket,
      channel,
      this.#locks,
      this.#logger,
    )
    this.#hub = hub
    return () => {
      if (this.#hub === hub) this.#hub = undefined
      hub.stop()
    }
  }

  #onMessage(message: TabMessage): void {
    if (typeof message !== 'object' || message === null) return
    switch (message.type) {
      case 'hub':
        for (const member of [...this.#members.values()]) {
          if (member.readyState === CONNECTING) {
            if (this.#present) this.post({ type: 'join', member: member.id })
          } else if (member.hub !== message.hub)
            member.closedRemotely(LEADER_CHANGED.code, LEADER_CHANGED.reason)
        }
        return
      case 'opened':
        this.#members.get(message.member)?.opened(message.hub)
        return
      case 'frames':
        for (const id of message.members) this.#members.get(id)?.received(message.data)
        return
      case 'closed':
        for (const id of message.members) this.#members.get(id)?.closedRemotely(message.code, message.reason)
        return
    }
  }
}

export interface TabSharingOptions {
  /** The Web Locks implementation; by default the page's `navigator.locks`. */
  locks?: TabLockManager
  logger: Logger
}

/**
 * A `WebSocket` constructor whose sockets to `url` share one real connection among the tabs of this
 * origin (see `TabHub`), or `undefined` where that cannot work: no `BroadcastChannel` or no Web
 * Locks (Node, old browsers). Each call is one participant of the election.
 */
export function tabSharedWebSocket(
  url: string,
  WebSocket: WebSocketConstructor,
  options: TabSharingOptions,
): WebSocketConstructor | undefined {
  const locks = options.locks ?? pageLocks()
  const hasChannel = typeof (globalThis as { BroadcastChannel?: unknown }).BroadcastChannel === 'function'
  if (!locks || !hasChannel) return undefined
  const group = new TabSocketGroup(url, WebSocket, locks, options.logger)
  const Shared = function SharedWebSocket(socketUrl: string) {
    if (socketUrl !== url) return new WebSocket(socketUrl)
    return group.open()
  } as unknown as WebSocketConstructor
  Object.defineProperty(Shared, 'group', { value: group })
  return Shared
}

/** The hub behind a constructor from `tabSharedWebSocket` while its participant leads, for tests. */
export function leadingHub(Shared: WebSocketConstructor): TabHub | undefined {
  return (Shared as unknown as { group?: TabSocketGroup }).group?.hub
}
