/**
 * A client process of bench:heartbeat: opens COUNT `ws` connections to URL (at most 200 opening at
 * once), which answer the server's pings as browsers do, prints `{"open": N}` once all are open
 * and keeps them until killed.
 */
import WebSocket from 'ws'

const url = process.env.URL as string
const count = Number(process.env.COUNT ?? 1000)
const sockets: WebSocket[] = []
let open = 0
let next = 0

function openOne(): void {
  if (next >= count) return
  next += 1
  const socket = new WebSocket(url, { perMessageDeflate: false })
  sockets.push(socket)
  socket.on('error', (error) => {
    process.stderr.write(`connection failed: ${error.message}\n`)
    process.exit(1)
  })
  socket.once('open', () => {
    open += 1
    if (open === count) process.stdout.write(`${JSON.stringify({ open })}\n`)
    openOne()
  })
}

for (let i = 0; i < 200; i++) openOne()
