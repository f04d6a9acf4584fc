/**
 * Client side of bench:scale, one process per server instance: opens COUNT WebSocket
 * subscribers of CHANNEL on URL and reports to its parent (IPC) when each broadcast has reached
 * all of them. Times are `performance.timeOrigin + performance.now()` (ms, sub-ms precision), so
 * the parent can compare them with its own send times.
 */
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'

const url = process.env.URL ?? ''
const count = Number(process.env.COUNT ?? 2000)
const channel = process.env.CHANNEL ?? 'bench'
const hopChannel = process.env.HOP_CHANNEL ?? 'hop'
/** A channel only the last instance's subscribers (or the single instance's) also subscribe to. */
const extraChannel = process.env.EXTRA_CHANNEL
const now = () => performance.timeOrigin + performance.now()
const send = (message: object) => process.send?.(message)

/** Arrival times of the latency rounds' frames, by round id. */
const arrivals = new Map<string, number[]>()
let throughputReceived = 0
let throughputExpected = Number.POSITIVE_INFINITY

function onFrame(text: string): void {
  const at = now()
  const marker = text.indexOf('"entity_id":"')
  if (marker === -1) return
  const id = text.slice(marker + 13, text.indexOf('"', marker + 13))
  if (id.startsWith('H')) {
    send({ type: 'hop', id, at }) // the hop channel has one subscriber per instance
    return
  }
  if (id.startsWith('T')) {
    throughputReceived++
    if (throughputReceived === throughputExpected) send({ type: 'throughput-done', at })
    return
  }
  let times = arrivals.get(id)
  if (!times) {
    times = []
    arrivals.set(id, times)
  }
  times.push(at)
  if (times.length === count) {
    arrivals.delete(id)
    send({ type: 'round', id, times })
  }
}

/** The first socket also subscribes to the hop channel: one subscriber per instance. */
async function connect(index: number): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false })
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const text = String(data)
      if (text.startsWith('{"subscribed"')) resolve()
      else if (text.startsWith('{"welcome"')) {
        const channels = [
          channel,
          ...(index === 0 ? [hopChannel] : []),
          ...(extraChannel ? [extraChannel] : []),
        ]
        socket.send(JSON.stringify({ subscribe: channels }))
      } else onFrame(text)
    })
    socket.once('error', reject)
  })
  return socket
}

const sockets: WebSocket[] = []
for (let i = 0; i < count; i += 100) {
  sockets.push(
    ...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => connect(i + j)))),
  )
}
process.on('message', (message: { type: string; total?: number }) => {
  if (message.type === 'expect-throughput') {
    throughputReceived = 0
    throughputExpected = message.total ?? 0
  } else if (message.type === 'close') {
    for (const socket of sockets) socket.terminate()
    process.exit(0)
  }
})
send({ type: 'ready' })
