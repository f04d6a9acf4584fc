/**
 * bench:fanout load clients (a child process of fanout.ts): N raw WebSocket clients that join the
 * broadcast channel in each server's own wire format and count the events they receive. It reports
 * over IPC, for each count k, the moment (process.hrtime, the system-wide monotonic clock, so
 * comparable with the server's) the LAST client received its k-th event.
 */
import { RawWsClient } from './fanout-raw-ws.js'
import type { Implementation } from './fanout-servers.js'

export type ToClient =
  | { type: 'connect'; implementation: Implementation; url: string; count: number }
  | { type: 'await'; events: number }
  | { type: 'close' }
export type FromClient =
  | { type: 'ready' }
  | { type: 'reached'; events: number; lastAt: string }
  | { type: 'closed' }
  | { type: 'failed'; message: string }

const send = (message: FromClient) => process.send?.(message)

let sockets: RawWsClient[] = []
/** reachedBy[k]: clients that received at least k events. */
let reachedBy: number[] = []
let lastAt: bigint[] = []
let total = 0
let awaiting: number | null = null

function counted(events: number): void {
  const n = (reachedBy[events] ?? 0) + 1
  reachedBy[events] = n
  if (n === total) {
    lastAt[events] = process.hrtime.bigint()
    if (awaiting === events) report(events)
  }
}

function report(events: number): void {
  awaiting = null
  send({ type: 'reached', events, lastAt: String(lastAt[events]) })
}

/**
 * One client: joins in the server's wire format, then counts event frames without parsing them
 * (every frame after the join acknowledgement is an event, except Socket.IO's pings).
 */
function connectOne(implementation: Implementation, url: string): Promise<RawWsClient> {
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
        counted(++events)
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
    const client = new RawWsClient(url, onText, onOpen, reject)
  })
}

async function connectAll(implementation: Implementation, url: string, count: number): Promise<void> {
  sockets = []
  reachedBy = []
  lastAt = []
  total = count
  const batch = 250
  for (let i = 0; i < count; i += batch) {
    const group = Array.from({ length: Math.min(batch, count - i) }, () => connectOne(implementation, url))
    sockets.push(...(await Promise.all(group)))
  }
}

process.on('message', (message: ToClient) => {
  switch (message.type) {
    case 'connect':
      connectAll(message.implementation, message.url, message.count).then(
        () => send({ type: 'ready' }),
        (error: Error) => send({ type: 'failed', message: error.message }),
      )
      break
    case 'await':
      if (lastAt[message.events] !== undefined) report(message.events)
      else awaiting = message.events
      break
    case 'close': {
      void Promise.all(sockets.map((client) => client.destroy())).then(() => {
        sockets = []
        send({ type: 'closed' })
      })
      break
    }
  }
})
