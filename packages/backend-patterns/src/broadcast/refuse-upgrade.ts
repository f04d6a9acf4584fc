import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from '@pattern-stack/sync-protocol'

/** Answers an upgrade request with a plain HTTP error and closes the socket: no WebSocket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  if (socket.destroyed) return
  const body = `${reason}\n`
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  )
}

/** HTTP 404 for an upgrade to a path nobody on the server serves, naming the path that is served. */
export function refuseUnclaimedUpgrade(
  socket: Duplex,
  requestedPath: string,
  servedPath: string,
  logger: Logger,
): void {
  // The client may reset the connection before the answer is written; that error, unheard, would
  // crash the process.
  socket.on('error', (error) => logger.debug?.('refused upgrade socket error', error))
  logger.debug?.(`broadcast upgrade refused: no WebSocket endpoint at ${JSON.stringify(requestedPath)}`)
  refuseUpgrade(socket, 404, `no WebSocket endpoint at this path; the broadcast endpoint is ${servedPath}`)
}
