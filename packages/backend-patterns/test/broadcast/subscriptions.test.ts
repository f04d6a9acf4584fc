import { ErrorCode } from '@pattern-stack/sync-protocol'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer, TestClient, type TestServer } from './helpers.js'

let server: TestServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('subscriptions', () => {
  it('acknowledges a subscribe with the channels now subscribed and counts subscribers', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    expect(await client.subscribe('order', 'contact')).toEqual({ subscribed: ['order', 'contact'] })
    expect(server.backend.getSubscriberCount('order')).toBe(1)
    expect(server.backend.getSubscriberCount('contact')).toBe(1)
    expect(server.backend.getSubscriberCount('invoice')).toBe(0)
    expect(server.backend.getAllChannels().sort()).toEqual(['contact', 'order'])
  })

  it('counts a channel named twice in one frame once', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    expect(await client.subscribe('order', 'order')).toEqual({ subscribed: ['order'] })
    expect(server.backend.getSubscriberCount('order')).toBe(1)
  })

  it('unsubscribes and acknowledges', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    await client.subscribe('order', 'contact')
    expect(await client.unsubscribe('order')).toEqual({ unsubscribed: ['order'] })
    expect(server.backend.getSubscriberCount('order')).toBe(0)
    expect(server.backend.getAllChannels()).toEqual(['contact'])
    await server.backend.broadcast('order', 'created', { entity_id: '1' })
    await server.backend.broadcast('contact', 'created', { entity_id: '2' })
    const event = await client.next((f) => 'event' in f)
    expect(event.channel).toBe('contact')
    expect(client.events).toHaveLength(1)
  })

  it('duplicate subscribe: already_subscribed per channel, nothing changes, the rest is subscribed and acked', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    await client.subscribe('order')
    const ack = await client.subscribe('order', 'contact')
    expect(ack).toEqual({ subscribed: ['order', 'contact'] })
    expect(client.frames.filter((f) => 'error' in f)).toEqual([
      {
        error: {
          code: ErrorCode.ALREADY_SUBSCRIBED,
          message: 'already subscribed to "order"; nothing changed',
          channel: 'order',
        },
      },
    ])
    expect(server.backend.getSubscriberCount('order')).toBe(1)
    // Still exactly one delivery per broadcast.
    await server.backend.broadcast('order', 'updated', { entity_id: '1' })
    await client.roundTrip()
    expect(client.events).toHaveLength(1)
  })

  it('unsubscribe of a channel never subscribed: not_subscribed, nothing changes', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    await client.subscribe('order')
    expect(await client.unsubscribe('contact')).toEqual({ unsubscribed: ['contact'] })
    expect(client.frames.find((f) => 'error' in f)).toEqual({
      error: {
        code: ErrorCode.NOT_SUBSCRIBED,
        message: 'not subscribed to "contact"; nothing changed',
        channel: 'contact',
      },
    })
    expect(server.backend.getSubscriberCount('order')).toBe(1)
  })

  it('refuses a subscribe that would pass maxChannelsPerConnection as a whole, without ack', async () => {
    server = await startServer({ limits: { maxChannelsPerConnection: 3 } })
    const client = await TestClient.connect(server.url)
    await client.subscribe('a', 'b')
    client.send({ subscribe: ['a', 'c', 'd'] }) // 'a' is already there: 2 + 2 = 4 > 3
    const error = await client.next((f) => 'error' in f)
    expect(error.error.code).toBe(ErrorCode.TOO_MANY_CHANNELS)
    expect(error.error.message).toMatch(/limit is 3/)
    await client.roundTrip()
    expect(client.frames.filter((f) => 'subscribed' in f)).toHaveLength(1)
    expect(server.backend.getAllChannels().sort()).toEqual(['a', 'b'])
    // Exactly up to the limit is fine.
    expect(await client.subscribe('c')).toEqual({ subscribed: ['c'] })
  })

  it('refuses a frame with one invalid channel whole: nothing in it takes effect', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    client.send({ subscribe: ['order', 'bad name!'] })
    const error = await client.next((f) => 'error' in f)
    expect(error.error).toMatchObject({ code: ErrorCode.INVALID_CHANNEL, channel: 'bad name!' })
    await client.roundTrip()
    expect(server.backend.getAllChannels()).toEqual([])
  })

  it('enforces the configured channel name length', async () => {
    server = await startServer({ limits: { maxChannelNameLength: 5 } })
    const client = await TestClient.connect(server.url)
    client.send({ subscribe: ['sixsix'] })
    const error = await client.next((f) => 'error' in f)
    expect(error.error.code).toBe(ErrorCode.INVALID_CHANNEL)
    expect(error.error.message).toMatch(/6 characters long; the limit is 5/)
    expect(await client.subscribe('five5')).toEqual({ subscribed: ['five5'] })
  })

  it('answers an application ping with a pong echoing its number', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    client.send({ ping: 42 })
    expect(await client.next((f) => 'pong' in f)).toEqual({ pong: 42 })
  })

  it('answers frames in the order they were sent', async () => {
    server = await startServer({ authorize: async () => true })
    const client = await TestClient.connect(server.url)
    client.send({ subscribe: ['a'] })
    client.send({ ping: 1 })
    client.send({ unsubscribe: ['a'] })
    client.send({ ping: 2 })
    await client.next((f) => f.pong === 2)
    expect(client.frames.slice(1)).toEqual([
      { subscribed: ['a'] },
      { pong: 1 },
      { unsubscribed: ['a'] },
      { pong: 2 },
    ])
  })

  it('a connection can resubscribe after unsubscribing', async () => {
    server = await startServer()
    const client = await TestClient.connect(server.url)
    await client.subscribe('order')
    await client.unsubscribe('order')
    await client.subscribe('order')
    await server.backend.broadcast('order', 'created', {})
    expect((await client.next((f) => 'event' in f)).event).toBe('created')
  })
})
