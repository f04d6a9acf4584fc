import { DEFAULT_LIMITS, MAX_PRESENCE_LABEL_LENGTH } from '@pattern-stack/sync-protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, type Frame, startServer, TestClient, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const membersOn = (channel: string) => (f: Frame) => f.presence?.channel === channel

/** Sends a presence frame and resolves with the member list the server answers with. */
async function present(client: TestClient, presence: Frame): Promise<Frame[]> {
  client.sendRaw(JSON.stringify({ presence }))
  const frame = await client.next(membersOn(presence.channel))
  return frame.presence.members
}

describe('presence (one instance)', () => {
  it('welcome announces presence; members see each other join, change state and leave, never themselves', async () => {
    server = await startServer()
    const a = await TestClient.connect(server.url)
    const b = await TestClient.connect(server.url)
    expect(a.frames[0]?.welcome.presence).toBe(true)

    expect(await present(a, { channel: 'order:1', state: 'viewing', label: 'Tablet A' })).toEqual([])
    const seenByB = await present(b, { channel: 'order:1', state: 'editing', label: 'Tablet B' })
    expect(seenByB).toEqual([{ id: expect.stringMatching(/^p_/), state: 'viewing', label: 'Tablet A' }])
    const seenByA = await a.next(membersOn('order:1'))
    expect(seenByA.presence.members).toEqual([
      { id: expect.stringMatching(/^p_/), state: 'editing', label: 'Tablet B' },
    ])
    // The member id is not the connection id (that one proves nothing but is not handed out here).
    expect(seenByA.presence.members[0].id).not.toBe(b.id)

    b.sendRaw(JSON.stringify({ presence: { channel: 'order:1', state: 'viewing', label: 'Tablet B' } }))
    expect((await a.next(membersOn('order:1'))).presence.members[0].state).toBe('viewing')
    await b.next(membersOn('order:1')) // b's own answer: still only A

    expect(await present(b, { channel: 'order:1', state: null })).toEqual([])
    expect((await a.next(membersOn('order:1'))).presence.members).toEqual([])
    expect(server.backend.getPresence('order:1')).toEqual([
      { id: expect.stringMatching(/^p_/), state: 'viewing', label: 'Tablet A' },
    ])
  })

  it('a connection that closes, or is terminated, leaves everything it was present on', async () => {
    server = await startServer()
    const a = await TestClient.connect(server.url)
    const b = await TestClient.connect(server.url)
    await present(a, { channel: 'order:1', state: 'viewing' })
    await present(b, { channel: 'order:1', state: 'editing' })
    await present(b, { channel: 'order:2', state: 'editing' })
    await a.next(membersOn('order:1'))
    b.ws.terminate()
    expect((await a.next(membersOn('order:1'))).presence.members).toEqual([])
    expect(server.backend.getPresence('order:2')).toEqual([])
  })

  it('channels are separate: presence on order:1 is not seen on order:2', async () => {
    server = await startServer()
    const a = await TestClient.connect(server.url)
    const b = await TestClient.connect(server.url)
    await present(a, { channel: 'order:1', state: 'editing' })
    expect(await present(b, { channel: 'order:2', state: 'editing' })).toEqual([])
    await b.roundTrip()
    await a.roundTrip()
    expect(a.frames.filter(membersOn('order:1'))).toHaveLength(1)
  })

  it.each([
    [
      { channel: 'order:1', state: 'typing' },
      'invalid_frame',
      'presence state must be "viewing" or "editing", or null',
    ],
    [{ channel: 'order:1' }, 'invalid_frame', 'got nothing'],
    [{ channel: 'bad channel', state: 'viewing' }, 'invalid_channel', 'may only use letters'],
    [{ channel: 'order:1', state: 'viewing', label: 7 }, 'invalid_frame', 'label must be a string'],
    [
      { channel: 'order:1', state: 'viewing', label: 'x'.repeat(MAX_PRESENCE_LABEL_LENGTH + 1) },
      'invalid_frame',
      `it must be 1 to ${MAX_PRESENCE_LABEL_LENGTH}`,
    ],
    [{ channel: 'order:1', state: 'viewing', colour: 'red' }, 'invalid_frame', 'unknown field "colour"'],
    ['order:1', 'invalid_frame', 'presence must be an object'],
  ])('refuses %j with a clear error and changes nothing', async (presence, code, message) => {
    server = await startServer()
    const watcher = await TestClient.connect(server.url)
    await present(watcher, { channel: 'order:1', state: 'viewing' })
    const client = await TestClient.connect(server.url)
    client.sendRaw(JSON.stringify({ presence }))
    const error = await client.next((f) => 'error' in f)
    expect(error.error.code).toBe(code)
    expect(error.error.message).toContain(message)
    await client.roundTrip()
    await watcher.roundTrip()
    expect(watcher.frames.filter(membersOn('order:1'))).toHaveLength(1)
    expect(server.backend.getPresence('order:1')).toHaveLength(1)
  })

  it('limits: channels per connection and members per channel; a refused join changes nothing', async () => {
    server = await startServer({ limits: { maxPresencePerConnection: 2, maxPresenceMembersPerChannel: 2 } })
    const a = await TestClient.connect(server.url)
    await present(a, { channel: 'order:1', state: 'viewing' })
    await present(a, { channel: 'order:2', state: 'viewing' })
    a.sendRaw(JSON.stringify({ presence: { channel: 'order:3', state: 'viewing' } }))
    const tooMany = await a.next((f) => 'error' in f)
    expect(tooMany.error).toMatchObject({ code: 'presence_limit', channel: 'order:3' })
    expect(tooMany.error.message).toContain('present on 2 channels, the limit')
    expect(server.backend.getPresence('order:3')).toEqual([])
    // Changing state on a channel it is present on is not a new entry.
    expect(await present(a, { channel: 'order:2', state: 'editing' })).toEqual([])

    const b = await TestClient.connect(server.url)
    await present(b, { channel: 'order:1', state: 'viewing' })
    const c = await TestClient.connect(server.url)
    c.sendRaw(JSON.stringify({ presence: { channel: 'order:1', state: 'viewing' } }))
    expect((await c.next((f) => 'error' in f)).error.message).toContain('2 connections are present')
    expect(server.backend.getPresence('order:1')).toHaveLength(2)
    expect(DEFAULT_LIMITS.maxPresencePerConnection).toBeGreaterThan(0)
  })

  it('authorize decides who may be present; presenceIdentity names members', async () => {
    server = await startServer({
      authenticate: (request) => ({ name: new URL(request.url ?? '', 'http://x').searchParams.get('name') }),
      authorize: (_connection, channel) => channel !== 'order:secret',
      presenceIdentity: (connection) => (connection.user as { name: string }).name,
    })
    const alice = await TestClient.connect(`${server.url}?name=alice`)
    const bob = await TestClient.connect(`${server.url}?name=bob`)
    alice.sendRaw(JSON.stringify({ presence: { channel: 'order:secret', state: 'viewing' } }))
    expect((await alice.next((f) => 'error' in f)).error).toMatchObject({
      code: 'forbidden',
      channel: 'order:secret',
    })
    expect(server.backend.getPresence('order:secret')).toEqual([])
    await present(alice, { channel: 'order:1', state: 'editing', label: 'Tablet A' })
    expect(await present(bob, { channel: 'order:1', state: 'viewing' })).toEqual([
      { id: expect.any(String), state: 'editing', label: 'Tablet A', user: 'alice' },
    ])
  })

  it('reauthorize ends presence on a channel authorize now refuses, with a forbidden error', async () => {
    const refused = new Set<string>()
    server = await startServer({ authorize: (_connection, channel) => !refused.has(channel) })
    const a = await TestClient.connect(server.url)
    const b = await TestClient.connect(server.url)
    await present(a, { channel: 'order:1', state: 'editing', label: 'A' })
    await present(a, { channel: 'order:2', state: 'editing', label: 'A' })
    await present(b, { channel: 'order:1', state: 'viewing', label: 'B' })
    await a.next(membersOn('order:1'))
    refused.add('order:1')
    expect(await server.backend.reauthorize()).toBe(2) // A's and B's presence on order:1
    expect((await a.next((f) => 'error' in f)).error).toMatchObject({ code: 'forbidden', channel: 'order:1' })
    expect(server.backend.getPresence('order:1')).toEqual([])
    expect(server.backend.getPresence('order:2')).toHaveLength(1)
  })

  it('many connections joining and leaving at once leave no entry behind', async () => {
    server = await startServer()
    const url = server.url
    const clients = await Promise.all(Array.from({ length: 10 }, () => TestClient.connect(url)))
    await Promise.all(clients.map((c) => present(c, { channel: 'order:9', state: 'viewing' })))
    expect(server.backend.getPresence('order:9')).toHaveLength(10)
    await Promise.all(clients.map((c) => c.close()))
    await eventually(() => server?.backend.getPresence('order:9').length === 0, 'everyone gone')
  })
})
