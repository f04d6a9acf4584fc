import type { AddressInfo } from 'node:net'
import {
  MemoryBroadcastEngine,
  OriginTokens,
  WebSocketBroadcastBackend,
} from '@pattern-stack/backend-patterns/broadcast'
import { broadcastPlugin } from '@pattern-stack/backend-patterns/broadcast/fastify'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, TestClient, type TestServer } from './helpers.js'

const SECRET = 'a shared secret of at least thirty-two bytes'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('origin tokens (issue 17 item 1)', () => {
  it('verifyOrigin accepts only the token welcome gave the connection, not its public id', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    const token = client.frames[0]?.welcome.origin_token as string
    expect(server.backend.verifyOrigin(token)).toBe(client.id)
    for (const value of [
      client.id,
      `${client.id}.`,
      `${client.id}.${'x'.repeat(43)}`,
      '',
      42,
      undefined,
      ['a'],
    ]) {
      expect(server.backend.verifyOrigin(value), JSON.stringify(value)).toBeUndefined()
    }
  })

  it('a token followed by ~<sub-origin> proves <connection id>~<sub-origin>; a bad sub-origin or a bare id does not', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    const token = client.frames[0]?.welcome.origin_token as string
    expect(server.backend.verifyOrigin(`${token}~t_tab-1`)).toBe(`${client.id}~t_tab-1`)
    for (const value of [
      `${token}~`,
      `${token}~a.b`,
      `${token}~a~b`,
      `${token}~${'x'.repeat(33)}`,
      `${client.id}~t_tab-1`,
      `${client.id}.${'x'.repeat(43)}~t_tab-1`,
    ]) {
      expect(server.backend.verifyOrigin(value), value).toBeUndefined()
    }
  })

  it('backends sharing originSecret verify each other’s tokens; others do not', async () => {
    const engine = new MemoryBroadcastEngine()
    const a = new WebSocketBroadcastBackend({ engine, originSecret: SECRET })
    const b = new WebSocketBroadcastBackend({ originSecret: SECRET })
    const c = new WebSocketBroadcastBackend({ originSecret: `${SECRET}, another one` })
    const d = new WebSocketBroadcastBackend()
    try {
      const token = new OriginTokens(SECRET).issue('c_someone')
      expect(a.verifyOrigin(token)).toBe('c_someone')
      expect(b.verifyOrigin(token)).toBe('c_someone')
      expect(c.verifyOrigin(token)).toBeUndefined()
      expect(d.verifyOrigin(token)).toBeUndefined()
    } finally {
      await Promise.all([a.close(), b.close(), c.close(), d.close()])
    }
  })

  it('refuses a short or non-string secret, naming the option', () => {
    expect(() => new WebSocketBroadcastBackend({ originSecret: 'short' })).toThrow(/originSecret .*32 bytes/)
    expect(() => new WebSocketBroadcastBackend({ originSecret: 42 as never })).toThrow(/originSecret/)
  })

  it('the Fastify plugin gives each request its verified broadcastOrigin', async () => {
    const backend = new WebSocketBroadcastBackend()
    const app = Fastify()
    await app.register(broadcastPlugin, { backend })
    app.get('/who', (request) => ({ origin: request.broadcastOrigin ?? null }))
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const { port } = app.server.address() as AddressInfo
      const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws/broadcast`)
      const token = client.frames[0]?.welcome.origin_token as string
      const ask = async (header?: string) =>
        (
          await app.inject({
            url: '/who',
            headers: header === undefined ? {} : { 'x-broadcast-origin': header },
          })
        ).json().origin
      expect(await ask(token)).toBe(client.id)
      expect(await ask(client.id)).toBeNull()
      expect(await ask()).toBeNull()
      await client.close()
    } finally {
      await app.close()
    }
  })
})
