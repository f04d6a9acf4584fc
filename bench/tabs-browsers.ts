/**
 * The client process of bench:tabs: BROWSERS simulated browsers with TABS tabs each, every tab a
 * BroadcastClient subscribed to `order`. SHARED=1: the tabs of a browser share one connection
 * (shareAcrossTabs, over Node's real BroadcastChannel; each browser its own URL, so its own channel
 * and lock, and Web Locks' semantics from the in-process lock manager the runtime's tests use, since
 * Node 20 has no navigator.locks). SHARED=0: one connection per tab. Prints `{"started": N}` once
 * every client connected; then each stdin line `expect <n>` answers, once n events in all reached
 * the tabs, the time (ms since the epoch) the last one arrived.
 */
import { createInterface } from 'node:readline'
import WebSocket from 'ws'
import { BroadcastClient } from '../packages/sync-patterns/src/runtime/core/broadcast-client.js'
import { inProcessLocks } from '../packages/sync-patterns/test/runtime/in-process-locks.js'

const url = process.env.URL ?? ''
const browsers = Number(process.env.BROWSERS ?? 1000)
const tabs = Number(process.env.TABS ?? 4)
const shared = process.env.SHARED === '1'
const locks = inProcessLocks()
const quiet = { debug: () => {}, warn: (message: string) => console.error(message) }

let received = 0
let lastAt = 0
let waiting: { count: number; resolve: () => void } | undefined
const clients: BroadcastClient[] = []
for (let b = 0; b < browsers; b += 1) {
  for (let t = 0; t < tabs; t += 1) {
    const client = new BroadcastClient(`${url}?browser=${b}`, {
      WebSocket,
      signals: false,
      logger: quiet,
      shareAcrossTabs: shared,
      locks,
      connectTimeoutMs: 60_000,
      maxReconnectAttempts: Number.POSITIVE_INFINITY,
    })
    client.subscribe('order', (event) => {
      if (event.kind !== 'event') return
      received += 1
      lastAt = performance.timeOrigin + performance.now()
      if (waiting && received >= waiting.count) waiting.resolve()
    })
    clients.push(client)
  }
  // A browser's tabs open one after another; browsers in batches, so the loopback accept queue keeps up.
  for (const client of clients.slice(-tabs)) client.connect()
  if (b % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 20))
}
while (!clients.every((client) => client.state === 'connected')) {
  await new Promise((resolve) => setTimeout(resolve, 50))
}
console.log(JSON.stringify({ started: clients.length }))

for await (const line of createInterface({ input: process.stdin })) {
  const [command, count] = line.split(' ')
  if (command !== 'expect') continue
  const target = Number(count)
  if (received < target) await new Promise<void>((resolve) => (waiting = { count: target, resolve }))
  waiting = undefined
  console.log(JSON.stringify({ received, lastAt }))
}
