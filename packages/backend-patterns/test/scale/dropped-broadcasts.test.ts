import { describe, expect, it } from 'vitest'
import {
  channelsToResync,
  DroppedBroadcasts,
  encodeResyncNotices,
} from '../../src/broadcast/dropped-broadcasts.js'
import { reconnectDelay } from '../../src/broadcast/reconnect-backoff.js'

describe('DroppedBroadcasts', () => {
  it('names each dropped channel once, then forgets them when taken', () => {
    const dropped = new DroppedBroadcasts(10)
    expect(dropped.take()).toBeNull()
    dropped.record('order')
    dropped.record('contact')
    dropped.record('order')
    expect(dropped.take()).toEqual({ channels: ['order', 'contact'] })
    expect(dropped.isEmpty).toBe(true)
  })

  it('asks for a resync of everything past its bound instead of growing', () => {
    const dropped = new DroppedBroadcasts(3)
    for (const channel of ['a', 'b', 'c', 'd', 'e']) dropped.record(channel)
    expect(dropped.take()).toEqual({ all: true })
  })

  it('keeps a notice that could not be sent', () => {
    const dropped = new DroppedBroadcasts(10)
    dropped.record('order')
    const notice = dropped.take()
    expect(notice).not.toBeNull()
    if (notice) dropped.restore(notice)
    dropped.record('contact')
    expect(dropped.take()).toEqual({ channels: ['order', 'contact'] })
  })
})

describe('resync notices', () => {
  it('split into messages that each fit the size limit and together name every channel', () => {
    const channels = Array.from({ length: 300 }, (_, i) => `order:${'x'.repeat(100)}${i}`)
    const messages = encodeResyncNotices({ channels }, 7999)
    expect(messages.length).toBeGreaterThan(1)
    for (const message of messages) expect(Buffer.byteLength(message)).toBeLessThanOrEqual(7999)
    expect(messages.flatMap((m) => (JSON.parse(m) as { channels: string[] }).channels)).toEqual(channels)
  })

  it('resync only the local channels a notice names, all of them for {"all":true}, none for junk', () => {
    const local = new Set(['order', 'contact'])
    expect(channelsToResync('{"channels":["order","invoice"]}', local)).toEqual(['order'])
    expect(channelsToResync('{"all":true}', local)).toEqual(['order', 'contact'])
    expect(channelsToResync('not json', local)).toEqual([])
    expect(channelsToResync('{"channels":"order"}', local)).toEqual([])
  })
})

describe('reconnectDelay', () => {
  it('grows exponentially from the initial delay up to the maximum, with jitter in the upper half', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1))
      const delay = reconnectDelay(attempt, { initialMs: 100, maxMs: 1000 })
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2)
      expect(delay).toBeLessThanOrEqual(ceiling)
    }
  })
})
