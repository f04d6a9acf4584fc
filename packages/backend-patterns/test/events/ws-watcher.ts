import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import type { EventFrame } from '@pattern-stack/sync-protocol'
import WebSocket from 'ws'

/** A real broadcast backend on a loopback HTTP server, and a real `ws` client subscribed to `channels`. */
export async function broadcastRig(channels: string[]) {
  const server: Server = createServer()
  const backend = new WebSocketBroadcastBackend()
  backend.attach(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/broadcast`)
  const events: EventFrame[] = []
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data))
      if (frame.welcome) socket.send(JSON.stringify({ subscribe: channels }))
      else if (frame.subscribed) resolve()
      else if (frame.channel) events.push(frame)
    })
  })

  /** Waits for a marker broadcast sent now: everything published before it has arrived by then. */
  async function settle(channel = channels[0] ?? 'widget'): Promise<EventFrame[]> {
    const marker = `marker-${Math.random().toString(36).slice(2)}`
    await backend.broadcast(channel, '__marker', { entity_id: marker })
    while (!events.some((e) => e.payload.entity_id === marker)) await new Promise((r) => setTimeout(r, 5))
    events.splice(
      events.findIndex((e) => e.payload.entity_id === marker),
      1,
    )
    return [...events]
  }

  return {
    backend,
    events,
    settle,
    async close() {
      socket.close()
      await backend.close()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
