import { ErrorCode } from '@pattern-stack/sync-protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, startServer, TestClient, type TestServer } from './helpers.js'

let server: TestServer
let bystander: TestClient
beforeAll(async () => {
  server = await startServer()
  bystander = await TestClient.connect(server.url)
  await bystander.subscribe('order')
})
afterAll(() => server.close())

const cases: [string, string, ErrorCode, RegExp][] = [
  ['not JSON', '{subscribe', ErrorCode.INVALID_JSON, /not valid JSON/],
  ['empty text', '', ErrorCode.INVALID_JSON, /not valid JSON/],
  ['a JSON string', '"subscribe"', ErrorCode.INVALID_FRAME, /must be a JSON object, got string/],
  ['a JSON array', '[{"subscribe":["order"]}]', ErrorCode.INVALID_FRAME, /got array/],
  ['null', 'null', ErrorCode.INVALID_FRAME, /got null/],
  ['an empty object', '{}', ErrorCode.INVALID_FRAME, /empty frame/],
  ['an unknown key', '{"subscribe":["a"],"extra":1}', ErrorCode.UNKNOWN_KEY, /unknown key "extra"/],
  ['two known keys', '{"subscribe":["a"],"unsubscribe":["b"]}', ErrorCode.INVALID_FRAME, /exactly one key/],
  ['subscribe to a string', '{"subscribe":"order"}', ErrorCode.INVALID_FRAME, /must be an array/],
  ['subscribe to nothing', '{"subscribe":[]}', ErrorCode.INVALID_FRAME, /at least one channel/],
  ['a number as channel', '{"subscribe":[42]}', ErrorCode.INVALID_CHANNEL, /must be a string, got number/],
  ['an empty channel name', '{"subscribe":[""]}', ErrorCode.INVALID_CHANNEL, /must not be empty/],
  ['an oversized channel name', `{"subscribe":["${'a'.repeat(129)}"]}`, ErrorCode.INVALID_CHANNEL, /129/],
  ['a channel with a space', '{"subscribe":["or der"]}', ErrorCode.INVALID_CHANNEL, /may only use/],
  ['a ping that is not a number', '{"ping":"1"}', ErrorCode.INVALID_FRAME, /ping must be a number/],
  ['an unsubscribe of null', '{"unsubscribe":null}', ErrorCode.INVALID_FRAME, /must be an array/],
]

describe('bad input: a clear error frame, nothing changes, the connection and everyone else carry on', () => {
  it.each(cases)('%s', async (_, input, code, message) => {
    const client = await TestClient.connect(server.url)
    await client.subscribe('contact')
    client.sendRaw(input)
    const { error } = await client.next((f) => 'error' in f)
    expect(error.code).toBe(code)
    expect(error.message).toMatch(message)
    // Nothing changed for this connection, which still works.
    expect(server.backend.getAllChannels().sort()).toEqual(['contact', 'order'])
    expect(await client.subscribe('invoice')).toEqual({ subscribed: ['invoice'] })
    await client.close()
    await eventually(() => server.backend.getTotalConnections() === 1, 'the client to be gone')
    // The bystander still gets its events.
    await server.backend.broadcast('order', 'checked', { entity_id: code })
    expect((await bystander.next((f) => 'event' in f)).payload.entity_id).toBe(code)
  })

  it('binary frames get a binary_frame error', async () => {
    const client = await TestClient.connect(server.url)
    client.sendRaw(Buffer.from(JSON.stringify({ subscribe: ['order'] })), { binary: true })
    const { error } = await client.next((f) => 'error' in f)
    expect(error.code).toBe(ErrorCode.BINARY_FRAME)
    expect(error.message).toMatch(/binary frames are not part of the protocol/)
    expect(server.backend.getSubscriberCount('order')).toBe(1)
    await client.roundTrip()
    await client.close()
  })

  it('invalid UTF-8 in a text frame closes that connection with 1007 (ws), no one else', async () => {
    const client = await TestClient.connect(server.url)
    // ws validates outgoing text only when asked to; send the bytes as a text frame.
    client.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false })
    expect((await client.closed).code).toBe(1007)
    await bystander.roundTrip()
  })
})
