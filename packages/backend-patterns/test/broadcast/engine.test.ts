import type { BroadcastEngine } from '@pattern-stack/backend-patterns/broadcast'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, startServer, TestClient, type TestServer } from './helpers.js'

/**
 * A network stand-in shared by several backends, as Redis would be: an engine only receives the
 * channels it listens to, listening takes a round trip, and messages arrive asynchronously.
 */
class Bus {
  readonly listeners = new Map<string, Set<BusEngine>>()
  publishes = 0
}

class BusEngine implements BroadcastEngine {
  readonly calls: string[] = []
  deliver: (channel: string, frame: string) => void = () => {}
  resync: (channels: string[]) => void = () => {}
  closed = false

  constructor(
    private readonly bus: Bus,
    private readonly listenDelayMs = 0,
  ) {}

  async start(deliver: BusEngine['deliver'], resync: BusEngine['resync']): Promise<void> {
    this.deliver = deliver
    this.resync = resync
  }

  async publish(channel: string, frame: string): Promise<void> {
    this.bus.publishes++
    for (const engine of this.bus.listeners.get(channel) ?? [])
      setImmediate(() => engine.deliver(channel, frame))
  }

  async addChannel(channel: string): Promise<void> {
    this.calls.push(`add ${channel}`)
    await new Promise((resolve) => setTimeout(resolve, this.listenDelayMs))
    const set = this.bus.listeners.get(channel) ?? new Set()
    this.bus.listeners.set(channel, set.add(this))
  }

  removeChannel(channel: string): void {
    this.calls.push(`remove ${channel}`)
    this.bus.listeners.get(channel)?.delete(this)
  }

  async close(): Promise<void> {
    this.closed = true
  }
}

const servers: TestServer[] = []
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()))
  servers.length = 0
})

async function instance(engine: BroadcastEngine): Promise<TestServer> {
  const server = await startServer({ engine })
  servers.push(server)
  return server
}

describe('engines', () => {
  it('fans out across instances with one publish per broadcast; instances listen only to local channels', async () => {
    const bus = new Bus()
    const engineA = new BusEngine(bus)
    const engineB = new BusEngine(bus)
    const a = await instance(engineA)
    const b = await instance(engineB)
    const onA = await TestClient.connect(a.url)
    const onB = await TestClient.connect(b.url)
    const onB2 = await TestClient.connect(b.url)
    await onA.subscribe('contact')
    await onB.subscribe('order')
    await onB2.subscribe('order')

    await a.backend.broadcast('order', 'created', { entity_id: '1' }, { origin: onA.id })
    const frame = { channel: 'order', event: 'created', payload: { entity_id: '1' }, origin: onA.id }
    expect(await onB.next((f) => 'event' in f)).toEqual(frame)
    expect(await onB2.next((f) => 'event' in f)).toEqual(frame)
    expect(bus.publishes).toBe(1)
    await onA.roundTrip()
    expect(onA.events).toEqual([])

    // First local subscriber → addChannel; last one leaving → removeChannel; nothing in between.
    expect(engineA.calls).toEqual(['add contact'])
    expect(engineB.calls).toEqual(['add order'])
    await onB.unsubscribe('order')
    expect(engineB.calls).toEqual(['add order'])
    await onB2.close()
    await eventually(() => engineB.calls.length === 2, 'removeChannel')
    expect(engineB.calls).toEqual(['add order', 'remove order'])
  })

  it('acknowledges a subscribe only once the engine listens: a broadcast right after the ack arrives', async () => {
    const bus = new Bus()
    const publisher = await instance(new BusEngine(bus))
    const subscriber = await instance(new BusEngine(bus, 30))
    const client = await TestClient.connect(subscriber.url)
    await client.subscribe('order')
    await publisher.backend.broadcast('order', 'created', { entity_id: '1' })
    expect((await client.next((f) => 'event' in f)).payload.entity_id).toBe('1')
  })

  it('concurrent first subscribers of a channel all wait for the engine', async () => {
    const bus = new Bus()
    const publisher = await instance(new BusEngine(bus))
    const engine = new BusEngine(bus, 30)
    const subscriber = await instance(engine)
    const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect(subscriber.url)))
    for (const client of clients) client.send({ subscribe: ['order'] })
    await Promise.all(clients.map((c) => c.next((f) => 'subscribed' in f)))
    await publisher.backend.broadcast('order', 'created', {})
    for (const client of clients) expect((await client.next((f) => 'event' in f)).event).toBe('created')
    expect(engine.calls).toEqual(['add order'])
  })

  it("passes the engine's resync to the affected subscribers", async () => {
    const engine = new BusEngine(new Bus())
    const server = await instance(engine)
    const client = await TestClient.connect(server.url)
    await client.subscribe('order', 'contact')
    engine.resync(['order'])
    expect(await client.next((f) => 'resync' in f)).toEqual({ resync: ['order'] })
  })

  it('closes the engine on close()', async () => {
    const engine = new BusEngine(new Bus())
    const server = await instance(engine)
    await server.backend.close()
    expect(engine.closed).toBe(true)
  })

  it('surfaces an engine that failed to start through ready() and broadcast()', async () => {
    const failing: BroadcastEngine = {
      start: async () => {
        throw new Error('cannot reach the bus')
      },
      publish: async () => {},
      addChannel: () => {},
      removeChannel: () => {},
      close: async () => {},
    }
    const errors: string[] = []
    const server = await startServer({ engine: failing, logger: { error: (m) => errors.push(m) } })
    servers.push(server)
    await expect(server.backend.ready()).rejects.toThrow('cannot reach the bus')
    await expect(server.backend.broadcast('order', 'created', {})).rejects.toThrow('cannot reach the bus')
    expect(errors).toContain('broadcast engine failed to start')
  })
})
