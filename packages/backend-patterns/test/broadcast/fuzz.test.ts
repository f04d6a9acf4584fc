import { once } from 'node:events'
import { encodeClientFrame } from '@pattern-stack/sync-protocol'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { startServer, TestClient, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterAll(() => server?.close())

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000)

function fuzzer(random: () => number) {
  const int = (n: number) => Math.floor(random() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T
  const randomString = () =>
    Array.from({ length: int(12) }, () =>
      String.fromCharCode(pick([int(128), 0x20 + int(95), 0x4e00 + int(100)])),
    ).join('')
  const randomJson = (depth = 0): unknown => {
    switch (int(depth > 2 ? 5 : 8)) {
      case 0:
        return null
      case 1:
        return random() * 1e6 - 5e5
      case 2:
        return randomString()
      case 3:
        return random() < 0.5
      case 4:
        return pick(['order', 'contact', '', 'a'.repeat(200), 'bad name', 'order:1'])
      case 5:
        return Array.from({ length: int(5) }, () => randomJson(depth + 1))
      default:
        return Object.fromEntries(
          Array.from({ length: int(4) }, () => [
            pick(['subscribe', 'unsubscribe', 'ping', 'channel', randomString()]),
            randomJson(depth + 1),
          ]),
        )
    }
  }
  const valid = () =>
    pick([
      encodeClientFrame({ subscribe: [pick(['order', 'contact', 'invoice', 'order:7'])] }),
      encodeClientFrame({ unsubscribe: [pick(['order', 'contact', 'never'])] }),
      encodeClientFrame({ ping: int(1000) }),
    ])
  const mutate = (text: string): string => {
    const chars = [...text]
    for (let i = 0, n = 1 + int(3); i < n; i++) {
      const at = int(chars.length + 1)
      const op = int(3)
      if (op === 0) chars.splice(at, 1)
      else if (op === 1) chars.splice(at, 0, String.fromCharCode(int(128)))
      else chars[at] = pick(['"', '[', ']', '{', '}', ',', ':', '0', 'x'])
    }
    return chars.join('')
  }
  /** One random frame: [data, binary]. */
  return (): [string | Buffer, boolean] => {
    switch (int(6)) {
      case 0: {
        const bytes = Buffer.alloc(int(64))
        for (let i = 0; i < bytes.length; i++) bytes[i] = int(256)
        return [bytes, true]
      }
      case 1: // random bytes sent as a text frame: often invalid UTF-8 (the server closes with 1007)
        {
          const bytes = Buffer.alloc(1 + int(32))
          for (let i = 0; i < bytes.length; i++) bytes[i] = int(256)
          return [bytes, false]
        }
      case 2:
        return [JSON.stringify(randomJson()), false]
      case 3:
      case 4:
        return [mutate(valid()), false]
      default:
        return random() < 0.01 ? ['x'.repeat(20_000), false] : [valid(), false] // rarely oversized: 1009
    }
  }
}

describe('fuzz', () => {
  it(`20 connections send 10,000 random frames while 5 good clients receive all 1,000 broadcasts (seed ${SEED})`, async () => {
    server = await startServer({ limits: { maxMessagesPerSecond: 1_000_000 } })
    const url = server.url
    const good = await Promise.all(Array.from({ length: 5 }, () => TestClient.connect(url)))
    for (const client of good) await client.subscribe('order')

    const random = prng(SEED)
    const nextFrame = fuzzer(random)
    let sent = 0
    const closeCodes = new Map<number, number>()
    const runFuzzer = async () => {
      let ws: WebSocket | null = null
      for (let i = 0; i < 500; i++) {
        if (!ws || ws.readyState !== WebSocket.OPEN) {
          ws = new WebSocket(url, { perMessageDeflate: false })
          ws.on('error', () => {})
          ws.on('close', (code) => closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1))
          await once(ws, 'open')
        }
        const [data, binary] = nextFrame()
        ws.send(data, { binary })
        sent++
        if (i % 10 === 9) await new Promise((resolve) => setImmediate(resolve))
      }
      ws?.close()
    }

    const broadcaster = async () => {
      for (let seq = 0; seq < 1000; seq++) {
        await server?.backend.broadcast('order', 'fuzzed', { entity_id: String(seq) })
        if (seq % 5 === 4) await new Promise((resolve) => setImmediate(resolve))
      }
    }
    await Promise.all([broadcaster(), ...Array.from({ length: 20 }, runFuzzer)])
    expect(sent).toBe(10_000)

    for (const client of good) {
      await client.roundTrip()
      expect(client.events.map((f) => f.payload.entity_id)).toEqual(
        Array.from({ length: 1000 }, (_, i) => String(i)),
      )
      expect(client.frames.filter((f) => 'error' in f)).toEqual([])
      expect(client.ws.readyState).toBe(WebSocket.OPEN)
    }
    // The server is still up and serves a new client normally.
    const fresh = await TestClient.connect(url)
    expect(await fresh.subscribe('order')).toEqual({ subscribed: ['order'] })
    await server.backend.broadcast('order', 'after', {})
    expect((await fresh.next((f) => 'event' in f)).event).toBe('after')
    // The fuzzers really hit the documented closes (invalid UTF-8 1007, oversized 1009).
    expect(closeCodes.get(1007)).toBeGreaterThan(0)
  })
})
