import WebSocket from 'ws'
import { waitFor } from './wait-for.js'

/** A real WebSocket client of one instance's broadcast endpoint that records every frame. */
export class BroadcastTestClient {
  readonly frames: Record<string, unknown>[] = []
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.frames.push(JSON.parse(String(data)) as Record<string, unknown>))
  }

  static async connect(url: string): Promise<BroadcastTestClient> {
    const socket = new WebSocket(url)
    const client = new BroadcastTestClient(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
    })
    await waitFor(() => client.frames.some((f) => 'welcome' in f), 'the welcome frame')
    return client
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN
  }

  /** Subscribes and waits for the server's acknowledgement. */
  async subscribe(...channels: string[]): Promise<void> {
    const before = this.frames.length
    this.socket.send(JSON.stringify({ subscribe: channels }))
    await waitFor(
      () => this.frames.slice(before).some((f) => 'subscribed' in f),
      `subscribed ${channels.join(',')}`,
    )
  }

  async unsubscribe(...channels: string[]): Promise<void> {
    const before = this.frames.length
    this.socket.send(JSON.stringify({ unsubscribe: channels }))
    await waitFor(
      () => this.frames.slice(before).some((f) => 'unsubscribed' in f),
      `unsubscribed ${channels.join(',')}`,
    )
  }

  /** Sends an application ping and waits for its pong: the connection is alive end to end. */
  async ping(n: number): Promise<void> {
    this.socket.send(JSON.stringify({ ping: n }))
    await waitFor(() => this.frames.some((f) => f.pong === n), `pong ${n}`)
  }

  /** Event frames received on `channel`. */
  events(channel: string): Array<{ event: string; payload: Record<string, unknown> }> {
    return this.frames.filter((f) => f.channel === channel) as Array<{
      event: string
      payload: Record<string, unknown>
    }>
  }

  resyncs(): string[][] {
    return this.frames.filter((f) => 'resync' in f).map((f) => [...(f.resync as string[])].sort())
  }

  close(): void {
    this.socket.terminate()
  }
}
