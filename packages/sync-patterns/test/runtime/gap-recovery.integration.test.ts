import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { BroadcastClient } from '../../src/runtime/core/broadcast-client.js'
import type { BroadcastEvent } from '../../src/runtime/core/types.js'
import { recordingLogger } from './fake-websocket.js'
import { type Fault, startHistoryServer } from './history-server.js'

// Issue 16: a connected client that receives position p+2 on a channel without p+1, and p+1 does
// not come within `gapGraceMs`, asks `recover` from its base instead of staying silently stale.
// The real backend with the broadcast log as its history (PGlite), the unit of work writing the
// log, and the broadcasts leaving through a target that can lose or delay one on the way.

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function start(fault: Fault) {
  const server = await startHistoryServer(fault)
  cleanups.push(() => server.close())
  return server
}

function connect(url: string, gapGraceMs: number) {
  const log = recordingLogger()
  const client = new BroadcastClient(url, { WebSocket, signals: false, logger: log.logger, gapGraceMs })
  cleanups.push(() => client.disconnect())
  const events: BroadcastEvent[] = []
  client.subscribe('order', (event) => events.push(event))
  client.connect()
  return { client, events }
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 10_000) throw new Error(`timed out: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const seen = (events: BroadcastEvent[]) =>
  events.map(
    (e) =>
      `${e.event} ${String(e.payload.entity_id)}${e.kind === 'event' && e.recovered ? ' (recovered)' : ''}`,
  )

describe('gap detection while connected', () => {
  it('a broadcast lost on the way: the next position opens a gap, recover fetches the missed entity', async () => {
    const { url, change } = await start((position) => (position === 2 ? 'drop' : undefined))
    const { client, events } = connect(url, 50)
    await until(() => client.positions.order === 0, 'the ack with position 0')
    await change('a')
    await until(() => client.positions.order === 1, 'position 1')
    await change('b') // position 2, lost
    await change('c') // position 3
    await until(() => client.positions.order === 3, 'recovered up to position 3')
    expect(seen(events)).toEqual([
      'updated a',
      'updated c',
      // recover answered with every entity changed after 1 up to 3
      'recovered b (recovered)',
      'recovered c (recovered)',
    ])
    expect(client.state).toBe('connected')
  })

  it('a position that is only late (out of order across instances) fills the gap: no recover', async () => {
    // Position 2 is held 100 ms on its way, so 3 overtakes it; the grace is far longer than that.
    let committed = () => {}
    const secondCommitted = new Promise<void>((resolve) => {
      committed = resolve
    })
    const { url, change } = await start((position) => {
      if (position !== 2) return undefined
      committed()
      return 100
    })
    const { client, events } = connect(url, 1000)
    await until(() => client.positions.order === 0, 'the ack with position 0')
    await change('a')
    await until(() => client.positions.order === 1, 'position 1')
    const late = change('b')
    await secondCommitted
    await change('c')
    await late
    await until(() => client.positions.order === 3, 'position 3')
    // Twice the grace later there was still no recover: the filled gap stopped the timer.
    await new Promise((resolve) => setTimeout(resolve, 2000))
    expect(seen(events)).toEqual(['updated a', 'updated c', 'updated b'])
  })
})
