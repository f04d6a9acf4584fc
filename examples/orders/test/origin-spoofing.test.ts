import { randomUUID } from 'node:crypto'
import { OriginTokens } from '@pattern-stack/backend-patterns/broadcast'
import { ORIGIN_HEADER, type WelcomeFrame } from '@pattern-stack/sync-protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { api, BroadcastWatcher, startServer, type TestServer } from './harness.js'

/**
 * Issue 17, item 1: echo suppression cannot be spoofed. Every broadcast shows every subscriber the
 * `origin` connection id; sending that id as `X-Broadcast-Origin` used to make the victim skip the
 * event. Now only the secret `origin_token` from the victim's own `welcome` claims a change for it.
 */

/** A raw connection and the `welcome` it got. */
async function connect(wsUrl: string): Promise<{ socket: WebSocket; welcome: WelcomeFrame['welcome'] }> {
  const socket = new WebSocket(wsUrl)
  const welcome = await new Promise<WelcomeFrame['welcome']>((resolve, reject) => {
    socket.once('error', reject)
    socket.once('message', (data) => resolve(JSON.parse(String(data)).welcome))
  })
  return { socket, welcome }
}

describe('X-Broadcast-Origin on one instance', () => {
  let server: TestServer
  let watcher: BroadcastWatcher

  beforeAll(async () => {
    server = await startServer('pglite')
    watcher = await BroadcastWatcher.open(server.wsUrl, ['order'])
  })
  afterAll(async () => {
    watcher?.close()
    await server?.close()
  })

  async function createWith(origin: string | undefined) {
    const id = randomUUID()
    const created = await api(server.baseUrl, 'POST', '/orders', {
      body: { id },
      headers: origin === undefined ? {} : { [ORIGIN_HEADER]: origin },
    })
    expect(created.status).toBe(201)
    const events = await watcher.settle(server.backend, 'order')
    const event = events.find((e) => e.payload.entity_id === id)
    watcher.events.length = 0
    return event
  }

  it('welcome gives each connection its own token, which no broadcast ever shows', async () => {
    const victim = await connect(server.wsUrl)
    try {
      expect(victim.welcome.origin_token).toEqual(expect.any(String))
      const event = await createWith(victim.welcome.origin_token)
      // The victim's own change: tagged with its public id, and the token stays secret.
      expect(event?.origin).toBe(victim.welcome.connection_id)
      expect(JSON.stringify(event)).not.toContain(victim.welcome.origin_token?.split('.')[1])
    } finally {
      victim.socket.close()
    }
  })

  it('the attack: an id seen in a broadcast, sent as X-Broadcast-Origin, is ignored', async () => {
    const victim = await connect(server.wsUrl)
    try {
      const seen = await createWith(victim.welcome.origin_token)
      const victimId = seen?.origin
      expect(victimId).toBe(victim.welcome.connection_id)
      // The attacker replays what every subscriber saw: the change goes out without an origin.
      const forged = await createWith(victimId)
      expect(forged).toBeDefined()
      expect(forged).not.toHaveProperty('origin')
    } finally {
      victim.socket.close()
    }
  })

  it('forged, foreign and malformed tokens are ignored: the broadcast still goes out, without origin', async () => {
    const victim = await connect(server.wsUrl)
    try {
      const id = victim.welcome.connection_id
      const token = victim.welcome.origin_token ?? ''
      const signature = token.slice(token.lastIndexOf('.') + 1)
      const foreign = new OriginTokens('a-secret-this-server-does-not-know-0123456789').issue(id)
      for (const value of [
        `${id}.${'A'.repeat(signature.length)}`, // guessed signature
        `${id}.`, // no signature
        `${id}x.${signature}`, // another id with the victim's signature
        foreign, // signed by another deployment's secret
        `.${signature}`,
        'no-dot-at-all',
      ]) {
        const event = await createWith(value)
        expect(event, value).toBeDefined()
        expect(event, value).not.toHaveProperty('origin')
      }
    } finally {
      victim.socket.close()
    }
  })
})
