import { expect } from 'vitest'
import type { BroadcastTestClient } from './broadcast-client.js'
import type { Instance } from './instances.js'
import { waitFor } from './wait-for.js'

/**
 * While the fan-out server is unreachable: every WebSocket stays open and answers pings, HTTP
 * handlers answer (health checks and broadcasts alike: a broadcast resolves, dropped), and
 * nothing is delivered.
 */
export async function expectServingThroughOutage(
  instances: Instance[],
  clients: BroadcastTestClient[],
): Promise<void> {
  const framesBefore = clients.map((c) => c.frames.length)
  for (const [i, instance] of instances.entries()) {
    expect(await instance.get<string>('/health')).toBe('ok')
    await instance.broadcast('order', 'during_outage', { entity_id: `lost-${i}` })
  }
  for (const [i, client] of clients.entries()) {
    expect(client.isOpen).toBe(true)
    await client.ping(100 + i)
  }
  for (const [i, client] of clients.entries()) {
    const newFrames = client.frames.slice(framesBefore[i])
    expect(newFrames.filter((f) => 'channel' in f)).toEqual([])
  }
}

/** After recovery: each client got a resync naming exactly its channels, and broadcasts flow again. */
export async function expectResyncAndFlow(
  publisher: Instance,
  clients: Array<{ client: BroadcastTestClient; channels: string[] }>,
): Promise<void> {
  for (const { client, channels } of clients) {
    // Several resyncs may come (the listener's own after it resubscribed, and notices of other
    // instances' dropped publishes); together they name every channel, and only the client's.
    const covered = () => new Set(client.resyncs().flat())
    await waitFor(() => channels.every((c) => covered().has(c)), `a resync for ${channels.join(',')}`, 20_000)
    expect([...covered()].sort()).toEqual([...channels].sort())
    expect(client.isOpen).toBe(true)
  }
  await publisher.broadcast('order', 'after_recovery', { entity_id: 'r1' })
  for (const { client, channels } of clients) {
    if (!channels.includes('order')) continue
    await waitFor(
      () => client.events('order').some((e) => e.event === 'after_recovery'),
      'the broadcast after recovery',
    )
    expect(client.events('order').filter((e) => e.event === 'during_outage')).toEqual([])
  }
}
