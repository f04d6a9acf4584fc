import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import { broadcastPlugin } from '@pattern-stack/backend-patterns/broadcast/fastify'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { startServer, TestClient, type TestServer } from './helpers.js'

let server: TestServer | undefined
const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await server?.close()
  server = undefined
})

/** Attempts an upgrade; resolves with the refusal's status and body, or 101 once it opens. */
async function attemptUpgrade(url: string): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(url)
  ws.on('error', () => {}) // the refusal also surfaces as an error event
  const result = await Promise.race([
    once(ws, 'unexpected-response').then(async ([, response]) => {
      const res = response as IncomingMessage
      let body = ''
      for await (const chunk of res) body += chunk
      return { status: res.statusCode ?? 0, body }
    }),
    once(ws, 'open').then(() => ({ status: 101, body: '' })),
  ])
  ws.terminate()
  return result
}

/** A second WebSocket endpoint on the same server, taking `path` after `delayMs` (0: at once). */
function otherEndpoint(
  http: TestServer['server'],
  path: string,
  options: { delayMs?: number; prepend?: boolean },
) {
  const wss = new WebSocketServer({ noServer: true })
  cleanups.push(() => wss.close())
  const take = (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    wss.handleUpgrade(request, socket, head, (ws) => ws.send(`hello from ${path}`))
  const listener = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (request.url !== path) return
    // Like a proxy that awaits its bypass hook, or an endpoint that authenticates first.
    if (options.delayMs) setTimeout(() => take(request, socket, head), options.delayMs)
    else take(request, socket, head)
  }
  if (options.prepend) http.prependListener('upgrade', listener)
  else http.on('upgrade', listener)
}

async function greeting(url: string): Promise<string> {
  const ws = new WebSocket(url)
  const [message] = await once(ws, 'message')
  ws.close()
  return String(message)
}

describe('upgrades to a path the backend does not serve', () => {
  // The 10 s timeout is the "hang" this test exists to catch; the assertion needs no timing.
  it('a server whose only upgrade listener is the backend answers HTTP 404 at once, naming the endpoint', {
    timeout: 10_000,
  }, async () => {
    server = await startServer()
    const refused = await attemptUpgrade(`ws://127.0.0.1:${server.port}/ws/wrong?token=x`)
    expect(refused).toEqual({
      status: 404,
      body: 'no WebSocket endpoint at this path; the broadcast endpoint is /ws/broadcast\n',
    })
    expect(server.backend.getTotalConnections()).toBe(0)
    // The endpoint itself and plain HTTP on any path are unaffected.
    expect((await TestClient.connect(server.url)).id).toBeTypeOf('string')
    const plain = await fetch(`http://127.0.0.1:${server.port}/ws/wrong`)
    expect(await plain.text()).toBe('plain http\n')
  })

  it('answers 404 on a Fastify server with the plugin (a typo in the client URL fails fast)', {
    timeout: 10_000,
  }, async () => {
    const backend = new WebSocketBroadcastBackend()
    const app = Fastify()
    cleanups.push(() => app.close())
    await app.register(broadcastPlugin, { backend, path: '/ws/broadcast' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    expect((await attemptUpgrade(`ws://127.0.0.1:${port}/ws/broadcasts`)).status).toBe(404)
    expect((await attemptUpgrade(`ws://127.0.0.1:${port}/ws/broadcast`)).status).toBe(101)
  })

  it('leaves other paths to other upgrade listeners: before or after it, at once or after awaiting something', async () => {
    server = await startServer()
    otherEndpoint(server.server, '/after', {})
    otherEndpoint(server.server, '/before', { prepend: true })
    otherEndpoint(server.server, '/later', { delayMs: 50 })
    const base = `ws://127.0.0.1:${server.port}`
    expect(await greeting(`${base}/after`)).toBe('hello from /after')
    expect(await greeting(`${base}/before`)).toBe('hello from /before')
    expect(await greeting(`${base}/later`)).toBe('hello from /later')
    expect((await attemptUpgrade(server.url)).status).toBe(101)
  })

  it('with another upgrade listener on the server, answers nothing for an unknown path (it may be theirs)', async () => {
    server = await startServer()
    // Vite's HMR listener, for one, ignores paths it does not serve; whoever answers, it is not us.
    const seen: string[] = []
    server.server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
      seen.push(request.url ?? '')
      setTimeout(() => socket.end('HTTP/1.1 418 I am a teapot\r\nContent-Length: 0\r\n\r\n'), 50)
    })
    const answer = await attemptUpgrade(`ws://127.0.0.1:${server.port}/elsewhere`)
    expect(answer.status).toBe(418)
    expect(seen).toEqual(['/elsewhere'])
  })
})
