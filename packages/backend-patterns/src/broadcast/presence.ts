import { randomBytes } from 'node:crypto'
import type { Logger, PresenceFrame, PresenceMember, ServerFrame } from '@pattern-stack/sync-protocol'
import { ErrorCode, type ProtocolLimits } from '@pattern-stack/sync-protocol'
import type { BroadcastEngine } from './engine.js'
import type { BroadcastConnectionInfo, WebSocketBroadcastBackendOptions } from './options.js'

/** What presence needs of a connection. */
export interface PresenceConnection extends BroadcastConnectionInfo {
  readonly isOpen: boolean
  send(frame: ServerFrame): void
  /** The connection did something: it is no longer at risk of the subscribe timeout. */
  subscribed(): void
}

export interface PresenceSettings {
  engine: BroadcastEngine
  limits: ProtocolLimits
  authorize: WebSocketBroadcastBackendOptions['authorize']
  identity: WebSocketBroadcastBackendOptions['presenceIdentity']
  /** How often an instance republishes its members of each channel (ms). */
  refreshMs: number
  logger: Logger
}

/**
 * Engine channels of presence: `#presence:` + the channel. `#` never occurs in a broadcast channel
 * name, so no client can subscribe to one, and the engines' own names (`prefix#resync`, hashed
 * Postgres names) never contain `:` after the `#`.
 */
const ENGINE_PREFIX = '#presence:'

/** How many refresh intervals a remote instance's members live without being republished. */
const TTL_REFRESHES = 3

/** Longest `presenceIdentity` the server passes on, in characters (longer ones are left out). */
const MAX_IDENTITY_LENGTH = 64

/** One instance's members of one channel, as it published them (the engine message). */
interface Slice {
  instance: string
  /** Increases with each publish of the instance: an older slice arriving late is ignored. */
  seq: number
  /** How long the slice holds without a newer one (ms). */
  ttl: number
  /** The sender has just joined the channel: every other instance republishes its slice. */
  sync?: boolean
  members: PresenceMember[]
}

interface RemoteSlice {
  seq: number
  expiresAt: number
  members: PresenceMember[]
}

interface ChannelPresence {
  local: Map<PresenceConnection, PresenceMember>
  remote: Map<string, RemoteSlice>
}

/**
 * Entity-scoped presence (docs/protocol.md "Presence"): who is viewing or editing what, across
 * instances.
 *
 * Each instance is the only authority over its own connections' entries. For each channel with a
 * local member it listens to the engine channel `#presence:<channel>` and publishes its whole slice
 * (its members, full state, numbered) whenever one joins, changes or leaves, and again every
 * `refreshMs`. Others keep the latest slice per instance until `TTL_REFRESHES × refreshMs` after
 * it arrived, so the members of an instance that died without a word disappear within
 * `(TTL_REFRESHES + 1) × refreshMs` (the sweep runs each refresh). A joining instance asks the
 * others to republish (`sync`), and so does one whose engine may have lost messages (resync).
 * A connection's entries go when it leaves, closes, or the heartbeat finds it dead.
 *
 * Memory is lazy: nothing per connection until it sends a presence frame.
 */
export class PresenceRegistry {
  private readonly instance = `i_${randomBytes(9).toString('base64url')}`
  private seq = 0
  private readonly channels = new Map<string, ChannelPresence>()
  /** Presence channels of each connection that used presence. */
  private readonly byConnection = new Map<PresenceConnection, Set<string>>()
  /** Engine listen/unlisten calls per channel, in order. */
  private readonly engineOps = new Map<string, Promise<void>>()
  private readonly timer: NodeJS.Timeout
  private closed = false

  constructor(private readonly settings: PresenceSettings) {
    this.timer = setInterval(() => this.refresh(), settings.refreshMs)
    this.timer.unref()
  }

  /** Whether `channel` (as the engine delivers it) is a presence channel. */
  static isEngineChannel(channel: string): boolean {
    return channel.startsWith(ENGINE_PREFIX)
  }

  /**
   * A `presence` frame of `connection` (validated by the decoder). Join, change or leave; the
   * present connections of the channel here get the new member list, the others through the engine.
   */
  async receive(connection: PresenceConnection, frame: PresenceFrame['presence']): Promise<void> {
    const { channel, state, label } = frame
    const mine = this.byConnection.get(connection)
    const present = mine?.has(channel) === true
    if (state === null) {
      if (present) this.leave(connection, channel)
      else connection.send({ presence: { channel, members: [] } })
      return
    }
    const entry = this.channels.get(channel)
    if (present && entry) {
      const member = entry.local.get(connection) as PresenceMember
      const changed = member.state !== state || member.label !== label
      member.state = state
      if (label === undefined) delete member.label
      else member.label = label
      if (changed) this.changed(channel, entry)
      else connection.send({ presence: { channel, members: this.othersOf(entry, member.id) } })
      return
    }
    const refusal = this.limitProblem(mine, entry)
    if (refusal) {
      connection.send({ error: { code: ErrorCode.PRESENCE_LIMIT, message: refusal, channel } })
      return
    }
    if (!(await this.allowed(connection, channel))) {
      connection.send({
        error: {
          code: ErrorCode.FORBIDDEN,
          message: `not allowed on ${JSON.stringify(channel)}; presence unchanged`,
          channel,
        },
      })
      return
    }
    if (!connection.isOpen || this.closed) return
    // Checked again: other connections may have joined while `authorize` ran.
    const again = this.limitProblem(this.byConnection.get(connection), this.channels.get(channel))
    if (again) {
      connection.send({ error: { code: ErrorCode.PRESENCE_LIMIT, message: again, channel } })
      return
    }
    await this.join(connection, channel, this.memberFor(connection, state, label))
  }

  /** Everything `connection` was present on is left (it closed or died). */
  leaveAll(connection: PresenceConnection): void {
    const mine = this.byConnection.get(connection)
    if (!mine) return
    for (const channel of [...mine]) this.leave(connection, channel)
  }

  /**
   * After permissions changed (`backend.reauthorize`): runs `authorize` again for each channel
   * `connection` is present on; on each it now refuses (or throws for) the connection gets a
   * `forbidden` error naming it and leaves (its members list `[]` follows). Returns how many.
   */
  async reauthorize(connection: PresenceConnection): Promise<number> {
    const mine = this.byConnection.get(connection)
    if (!mine || !this.settings.authorize) return 0
    const channels = [...mine]
    const verdicts = await Promise.all(channels.map((channel) => this.allowed(connection, channel)))
    let left = 0
    for (const [i, channel] of channels.entries()) {
      if (verdicts[i] || !this.byConnection.get(connection)?.has(channel)) continue
      connection.send({
        error: {
          code: ErrorCode.FORBIDDEN,
          message: `no longer allowed on ${JSON.stringify(channel)}; left its presence`,
          channel,
        },
      })
      this.leave(connection, channel)
      left++
    }
    return left
  }

  /** The engine may have lost messages on these channels: republish ours and ask the others. */
  resync(engineChannels: string[]): void {
    for (const engineChannel of engineChannels) {
      const channel = engineChannel.slice(ENGINE_PREFIX.length)
      if (this.channels.has(channel)) this.publish(channel, true)
    }
  }

  /** A slice arrived from the engine (maybe our own: ignored). */
  deliver(engineChannel: string, message: string): void {
    const channel = engineChannel.slice(ENGINE_PREFIX.length)
    const entry = this.channels.get(channel)
    if (!entry) return
    const slice = parseSlice(message)
    if (!slice) {
      this.settings.logger.warn?.(`presence: unreadable message on ${JSON.stringify(channel)}`)
      return
    }
    if (slice.instance === this.instance) return
    const known = entry.remote.get(slice.instance)
    if (slice.sync) this.publish(channel, false)
    if (known && known.seq >= slice.seq) return
    if (slice.members.length === 0) entry.remote.delete(slice.instance)
    else {
      entry.remote.set(slice.instance, {
        seq: slice.seq,
        expiresAt: Date.now() + slice.ttl,
        members: slice.members,
      })
    }
    this.notifyLocal(channel, entry)
  }

  /** Members present on `channel` across instances (for tests and admin pages). */
  members(channel: string): PresenceMember[] {
    const entry = this.channels.get(channel)
    return entry ? this.othersOf(entry, null) : []
  }

  /** Stops the refresh; the closing connections' leaves are published as they close. */
  close(): void {
    this.closed = true
    clearInterval(this.timer)
  }

  // ── inside ───────────────────────────────────────────────────────────────────────────────────

  private limitProblem(mine: Set<string> | undefined, entry: ChannelPresence | undefined): string | null {
    const { maxPresencePerConnection, maxPresenceMembersPerChannel } = this.settings.limits
    if ((mine?.size ?? 0) >= maxPresencePerConnection) {
      return `this connection is present on ${maxPresencePerConnection} channels, the limit; leave one first (state null). Nothing changed`
    }
    if ((entry?.local.size ?? 0) >= maxPresenceMembersPerChannel) {
      return `${maxPresenceMembersPerChannel} connections are present on this channel here, the limit. Nothing changed`
    }
    return null
  }

  private async allowed(connection: PresenceConnection, channel: string): Promise<boolean> {
    const authorize = this.settings.authorize
    if (!authorize) return true
    try {
      return Boolean(await authorize(connection, channel))
    } catch (error) {
      this.settings.logger.error?.(`broadcast authorize hook threw for ${JSON.stringify(channel)}`, error)
      return false
    }
  }

  private memberFor(
    connection: PresenceConnection,
    state: 'viewing' | 'editing',
    label: string | undefined,
  ): PresenceMember {
    const member: PresenceMember = { id: `p_${randomBytes(9).toString('base64url')}`, state }
    if (label !== undefined) member.label = label
    const identity = this.settings.identity
    if (identity) {
      try {
        const user = identity(connection)
        if (typeof user === 'string' && user.length > 0 && user.length <= MAX_IDENTITY_LENGTH)
          member.user = user
      } catch (error) {
        this.settings.logger.error?.('broadcast presenceIdentity hook threw', error)
      }
    }
    return member
  }

  private async join(connection: PresenceConnection, channel: string, member: PresenceMember): Promise<void> {
    let entry = this.channels.get(channel)
    const first = !entry
    if (!entry) {
      entry = { local: new Map(), remote: new Map() }
      this.channels.set(channel, entry)
    }
    entry.local.set(connection, member)
    connection.subscribed()
    let mine = this.byConnection.get(connection)
    if (!mine) {
      mine = new Set()
      this.byConnection.set(connection, mine)
    }
    mine.add(channel)
    if (first) {
      // Listen before asking the others, so their answers reach us.
      await this.engineOp(channel, 'addChannel')
      if (this.channels.get(channel) !== entry) return // everyone left meanwhile
      this.publish(channel, true)
      this.notifyLocal(channel, entry)
    } else this.changed(channel, entry)
  }

  private leave(connection: PresenceConnection, channel: string): void {
    const mine = this.byConnection.get(connection)
    mine?.delete(channel)
    if (mine?.size === 0) this.byConnection.delete(connection)
    const entry = this.channels.get(channel)
    if (!entry?.local.delete(connection)) return
    if (connection.isOpen) connection.send({ presence: { channel, members: [] } })
    this.publish(channel, false)
    if (entry.local.size > 0) {
      this.notifyLocal(channel, entry)
      return
    }
    this.channels.delete(channel)
    void this.engineOp(channel, 'removeChannel')
  }

  /** A local member joined, changed or left: tell the instance's members and the others. */
  private changed(channel: string, entry: ChannelPresence): void {
    this.publish(channel, false)
    this.notifyLocal(channel, entry)
  }

  private notifyLocal(channel: string, entry: ChannelPresence): void {
    for (const [connection, member] of entry.local) {
      connection.send({ presence: { channel, members: this.othersOf(entry, member.id) } })
    }
  }

  private othersOf(entry: ChannelPresence, self: string | null): PresenceMember[] {
    const members: PresenceMember[] = []
    for (const member of entry.local.values()) if (member.id !== self) members.push(member)
    for (const slice of entry.remote.values()) members.push(...slice.members)
    return members
  }

  /** Publishes this instance's slice of `channel` (empty once its last member left). */
  private publish(channel: string, sync: boolean): void {
    const entry = this.channels.get(channel)
    const slice: Slice = {
      instance: this.instance,
      seq: ++this.seq,
      ttl: TTL_REFRESHES * this.settings.refreshMs,
      members: entry ? [...entry.local.values()] : [],
    }
    if (sync) slice.sync = true
    this.settings.engine.publish(ENGINE_PREFIX + channel, JSON.stringify(slice)).catch((error: unknown) => {
      this.settings.logger.error?.(`presence: publishing ${JSON.stringify(channel)} failed`, error)
    })
  }

  /** Republishes every slice and forgets remote slices that were not republished in time. */
  private refresh(): void {
    const now = Date.now()
    for (const [channel, entry] of this.channels) {
      this.publish(channel, false)
      let expired = false
      for (const [instance, slice] of entry.remote) {
        if (slice.expiresAt <= now) {
          entry.remote.delete(instance)
          expired = true
        }
      }
      if (expired) this.notifyLocal(channel, entry)
    }
  }

  /** addChannel/removeChannel of one presence channel, in order; failures are logged. */
  private engineOp(channel: string, action: 'addChannel' | 'removeChannel'): Promise<void> {
    const engineChannel = ENGINE_PREFIX + channel
    const previous = this.engineOps.get(channel) ?? Promise.resolve()
    const next = previous
      .then(() => this.settings.engine[action](engineChannel))
      .catch((error: unknown) =>
        this.settings.logger.error?.(`presence: engine ${action}(${JSON.stringify(channel)}) failed`, error),
      )
    this.engineOps.set(channel, next)
    void next.then(() => {
      if (this.engineOps.get(channel) === next) this.engineOps.delete(channel)
    })
    return next
  }
}

function parseSlice(message: string): Slice | null {
  let value: unknown
  try {
    value = JSON.parse(message)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const slice = value as Slice
  const ok =
    typeof slice.instance === 'string' &&
    Number.isFinite(slice.seq) &&
    Number.isFinite(slice.ttl) &&
    Array.isArray(slice.members)
  return ok ? slice : null
}
