/**
 * bench:fanout load clients (a child process of fanout.ts): for each server, N raw WebSocket
 * clients that join the broadcast channel in that server's own wire format and count the events
 * they receive. For each server and count k it reports over IPC the moment (process.hrtime: the
 * system-wide monotonic clock, so comparable with the server's) the LAST client received its k-th
 * event.
 */
import { RawWsClient } from './fanout-raw-ws.js'
import type { Implementation } from './fanout-servers.js'

export type ToClient =
  | {
      type: 'connect'
      implementation: Implementation
      url: string
      count: number
      /** Further upgrade request headers of every client. */
      headers?: Record<string, string>
    }
  | { type: 'await'; implementation: Implementation; events: number }
  | { type: 'close' }
export type FromClient =
  | { type: 'ready'; implementation: Implementation }
  | { type: 'reached'; implementation: Implementation; events: number; lastAt: string }
  | { type: 'closed' }
  | { type: 'failed'; message: string }

const send = (message: FromClient) => process.send?.(message)

/** The clients of one server. */
class Group {
  readonly clients: RawWsClient[] = []
  /** reachedBy[k]: clients that received at least k events. */
  private readonly reachedBy: number[] = []
  private readonly lastAt: bigint[] = []
  private awaiting: number | null = null

  constructor(
    readonly implementation: Implementation,
    /** Clients of this server, over every `connect` (a later one adds to the group). */
    public total: number,
  ) {}

  counted(events: number): void {
    const n = (this.reachedBy[events] ?? 0) + 1
    this.reachedBy[events] = n
    if (n === this.total) {
      this.lastAt[events] = process.hrtime.bigint()
      if (this.awaiting === events) this.report(events)
    }
  }

  await(events: number): void {
    if (this.lastAt[events] !== undefined) this.report(events)
    else this.awaiting = events
  }

  private report(events: number): void {
    this.awaiting = null
    send({
      type: 'reached',
      implementation: this.implementation,
      events,
      lastAt: String(this.lastAt[events]),
    })
  }
}

const groups = new Map<Implementation, Group>()

/**
 * One client: joins in the server's wire format, then counts event frames without parsing them
 * (every frame after the join acknowledgement is an event, except Socket.IO's pings).
 */
function connectOne(group: Group, url: string, headers: Record<string, string> = {}): Promise<RawWsClient> {
  const implementation = group.implementation
  return new Promise((resolve, reject) => {
    let joined = false
    let events = 0
    const onText = (payload: Buffer) => {
      if (joined) {
        if (implementation === 'socket.io') {
          // Engine.IO ping "2" → pong "3"; events are "42[...]".
          if (payload.length === 1 && payload[0] === 0x32) {
            client.send('3')
            return
          }
          if (payload[0] !== 0x34 || payload[1] !== 0x32) return
        }
        group.counted(++events)
        return
      }
      const text = payload.toString()
      switch (implementation) {
        case 'sync-patterns':
          if (text.startsWith('{"welcome"')) client.send(JSON.stringify({ subscribe: ['bench'] }))
          else if (text.startsWith('{"subscribed"')) joined = true
          break
        case 'plain-ws':
          if (text.startsWith('{"subscribed"')) joined = true
          break
        case 'socket.io':
          if (text.startsWith('0{'))
            client.send('40') // Engine.IO open → Socket.IO connect
          else if (text.startsWith('40'))
            client.send('420["join","bench"]') // join with ack id 0
          else if (text.startsWith('430')) joined = true
          else if (text === '2') client.send('3')
          break
      }
      if (joined) resolve(client)
    }
    const onOpen = () => {
      if (implementation === 'plain-ws') client.send('{"subscribe":["bench"]}')
    }
    const client = new RawWsClient(url, onText, onOpen, reject, headers)
  })
}

async function connectGroup(
  implementation: Implementation,
  url: string,
  count: number,
  headers?: Record<string, string>,
): Promise<void> {
  const existing = groups.get(implementation)
  if (existing) existing.total += count
  const group = existing ?? new Group(implementation, count)
  groups.set(implementation, group)
  const batch = 250
  for (let i = 0; i < count; i += batch) {
    const joining = Array.from({ length: Math.min(batch, count - i) }, () => connectOne(group, url, headers))
    group.clients.push(...(await Promise.all(joining)))
  }
}

process.on('message', (message: ToClient) => {
  switch (message.type) {
    case 'connect':
      connectGroup(message.implementation, message.url, message.count, message.headers).then(
        () => send({ type: 'ready', implementation: message.implementation }),
        (error: Error) => send({ type: 'failed', message: error.message }),
      )
      break
    case 'await':
      groups.get(message.implementation)?.await(message.events)
      break
    case 'close': {
      const all = [...groups.values()].flatMap((g) => g.clients)
      groups.clear()
      void Promise.all(all.map((client) => client.destroy())).then(() => send({ type: 'closed' }))
      break
    }
  }
})
