import { once } from 'node:events'
import { encodeClientFrame } from '@pattern-stack/sync-protocol'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startServer, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterAll(() => server?.close())

/** A lean client for the 1,000-client test: records the event seqs it gets after its ack. */
class SeqClient {
  readonly ws: WebSocket
  readonly seqs: number[] = []
  /** Broadcasts completed when the ack arrived: every seq from here on must be received. */
  publishedAtAck = -1
  ackedBeforeEvent = true
  errors: string[] = []

  constructor(url: string, published: () => number, onAck: () => void) {
    this.ws = new WebSocket(url, { perMessageDeflate: false })
    this.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString())
      if (frame.welcome) this.ws.send(encodeClientFrame({ subscribe: ['load'] }))
      else if (frame.subscribed) {
        this.publishedAtAck = published()
        onAck()
      } else if (frame.event) {
        if (this.publishedAtAck < 0) this.ackedBeforeEvent = false
        this.seqs.push(frame.payload.seq)
      } else this.errors.push(data.toString())
    })
  }

  acked(): Promise<void> {
    if (this.publishedAtAck >= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const check = () => {
        if (this.publishedAtAck >= 0) {
          this.ws.off('message', check)
          resolve()
        }
      }
      this.ws.on('message', check)
    })
  }
}

describe('concurrency', () => {
  it('1,000 clients subscribing while broadcasts run each get every later event, in order, exactly once', async () => {
    // All from loopback: above the per-address default (1000) so the cap is not what is tested.
    server = await startServer({ maxConnectionsPerAddress: 2000 })
    const backend = server.backend
    let published = 0
    // Broadcasts run while the clients connect and subscribe: one every 5 acks, while the other
    // subscribe frames are in flight. (Not on a timer: with 1,000 clients in this process every
    // broadcast makes a long event-loop turn, and Node accepts one connection per turn.)
    const publish = () => {
      void backend.broadcast('load', 'tick', { entity_id: 'x', seq: published })
      published++ // the memory engine delivered synchronously, so seq order is publish order
    }
    let acks = 0
    const onAck = () => {
      if (++acks % 5 === 0) publish()
    }

    const clients: SeqClient[] = []
    for (let wave = 0; wave < 4; wave++) {
      const batch = Array.from(
        { length: 250 },
        () => new SeqClient((server as TestServer).url, () => published, onAck),
      )
      clients.push(...batch)
      await Promise.all(batch.map((c) => c.acked()))
    }
    expect(backend.getSubscriberCount('load')).toBe(1000)
    for (let i = 0; i < 20; i++) publish() // with everyone subscribed
    const last = published - 1
    await Promise.all(
      clients.map(async (c) => {
        while (c.seqs.at(-1) !== last) await once(c.ws, 'message')
      }),
    )

    expect(published).toBe(220) // 200 while clients subscribed, 20 after
    const firstSeqs = new Set<number>()
    for (const client of clients) {
      expect(client.errors).toEqual([])
      expect(client.ackedBeforeEvent).toBe(true)
      const first = client.seqs[0] as number
      firstSeqs.add(first)
      // Nothing published after the ack is missing; in order and exactly once.
      expect(first).toBeLessThanOrEqual(client.publishedAtAck)
      expect(client.seqs).toEqual(Array.from({ length: last - first + 1 }, (_, i) => first + i))
    }
    expect(firstSeqs.size).toBeGreaterThan(1) // clients really joined at different points
    await Promise.all(clients.map((c) => c.ws.terminate()))
  })
})
