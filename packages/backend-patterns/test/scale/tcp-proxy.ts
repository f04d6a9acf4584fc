import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A TCP relay in front of a server, to simulate a network outage: `cut()` drops every connection
 * and refuses new ones; `restore()` accepts again on the same port. `freeze()` / `thaw()` stop and
 * resume relaying without closing anything, like a server that hangs. The server itself (the shared
 * Postgres) never notices anything but closed connections.
 */
export class TcpProxy {
  private server: Server | null = null
  private readonly sockets = new Set<Socket>()
  port = 0
  private frozen = false

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async listen(port = 0): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost)
      for (const socket of [client, upstream]) {
        this.sockets.add(socket)
        socket.on('close', () => this.sockets.delete(socket))
        socket.on('error', () => {
          client.destroy()
          upstream.destroy()
        })
      }
      client.pipe(upstream).pipe(client)
      if (this.frozen) {
        client.pause()
        upstream.pause()
      }
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    const address = server.address()
    this.port = typeof address === 'object' && address ? address.port : 0
    this.server = server
    return this.port
  }

  /** Stops relaying in both directions, connections left open: a server that hangs. */
  freeze(): void {
    this.frozen = true
    for (const socket of this.sockets) socket.pause()
  }

  thaw(): void {
    this.frozen = false
    for (const socket of this.sockets) socket.resume()
  }

  async cut(): Promise<void> {
    const server = this.server
    this.server = null
    for (const socket of this.sockets) socket.destroy()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  restore(): Promise<number> {
    return this.listen(this.port)
  }
}
