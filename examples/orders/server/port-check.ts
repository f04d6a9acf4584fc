import { createServer } from 'node:net'

/** A start-up problem the user can fix: main.ts prints its message as one line and exits. */
export class StartupError extends Error {
  override readonly name = 'StartupError'
}

/** One line saying why `port` cannot be listened on, or undefined for errors it does not know. */
export function listenProblem(error: unknown, port: number, host: string): string | undefined {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined
  if (code === 'EADDRINUSE') {
    return `Port ${port} is already in use (another \`npm start\`?): stop that process or start on another port, e.g. PORT=${port + 1} npm start`
  }
  if (code === 'EACCES') return `Not allowed to listen on port ${port}: use a port above 1023, e.g. PORT=8000`
  if (code === 'EADDRNOTAVAIL')
    return `HOST=${host} is not an address of this machine: use 0.0.0.0 or 127.0.0.1`
  return undefined
}

/**
 * Fails with a StartupError when `port` cannot be listened on. main.ts asks before it opens the
 * database, so a second `npm start` never opens the PGlite data of the one already running.
 */
export async function assertCanListen(port: number, host: string): Promise<void> {
  if (port === 0) return
  // A client that connects in the probe's moment (a deploy's clients retry this port) is cut off at
  // once: left open, its WebSocket handshake would hang until its connect timeout (10 s).
  const probe = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) =>
      reject(new StartupError(listenProblem(error, port, host) ?? String(error))),
    )
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()))
  })
}
