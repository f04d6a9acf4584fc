import { describe, expect, it } from 'vitest'
import {
  assertChannelName,
  channelNameProblem,
  DEFAULT_LIMITS,
  decodeClientFrame,
  decodeServerFrame,
  ErrorCode,
  encodeClientFrame,
  encodeEventFrame,
  encodeServerFrame,
  entityIdProblem,
  entityVersionOf,
  eventFrameProblem,
  isEventFrame,
  isResyncFrame,
  isWelcomeFrame,
  MAX_EVENT_NAME_LENGTH,
} from '../src/index.js'

describe('decodeClientFrame', () => {
  it('accepts the spec frames exactly', () => {
    expect(decodeClientFrame('{"subscribe": ["order", "contact"]}')).toEqual({
      ok: true,
      frame: { subscribe: ['order', 'contact'] },
    })
    expect(decodeClientFrame('{"unsubscribe": ["order"]}')).toEqual({
      ok: true,
      frame: { unsubscribe: ['order'] },
    })
  })

  it('accepts ping and collapses duplicate channels', () => {
    expect(decodeClientFrame('{"ping": 7}')).toEqual({ ok: true, frame: { ping: 7 } })
    expect(decodeClientFrame('{"subscribe": ["order", "order"]}')).toEqual({
      ok: true,
      frame: { subscribe: ['order'] },
    })
  })

  it.each([
    ['not json', ErrorCode.INVALID_JSON, /not valid JSON/],
    ['[1,2]', ErrorCode.INVALID_FRAME, /JSON object, got array/],
    ['"subscribe"', ErrorCode.INVALID_FRAME, /got string/],
    ['null', ErrorCode.INVALID_FRAME, /got null/],
    ['{}', ErrorCode.INVALID_FRAME, /empty frame/],
    ['{"subscribe":["a"],"unsubscribe":["b"]}', ErrorCode.INVALID_FRAME, /exactly one key/],
    ['{"subscribe":["a"],"extra":1}', ErrorCode.UNKNOWN_KEY, /unknown key "extra"/],
    ['{"publish":["a"]}', ErrorCode.UNKNOWN_KEY, /"publish"/],
    ['{"subscribe":"order"}', ErrorCode.INVALID_FRAME, /array of channel names, got string/],
    ['{"subscribe":[]}', ErrorCode.INVALID_FRAME, /at least one channel/],
    ['{"subscribe":[""]}', ErrorCode.INVALID_CHANNEL, /must not be empty/],
    ['{"subscribe":[42]}', ErrorCode.INVALID_CHANNEL, /must be a string, got number/],
    ['{"subscribe":["has space"]}', ErrorCode.INVALID_CHANNEL, /"has space" may only use/],
    ['{"unsubscribe":["ok", "bad/one"]}', ErrorCode.INVALID_CHANNEL, /unsubscribe: channel "bad\/one"/],
    ['{"ping":"x"}', ErrorCode.INVALID_FRAME, /ping must be a number/],
  ])('refuses %s with %s', (text, code, message) => {
    const result = decodeClientFrame(text)
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.problem.code).toBe(code)
      expect(result.problem.message).toMatch(message)
    }
  })

  it('refuses a channel name over the length limit and names the limit', () => {
    const long = 'a'.repeat(DEFAULT_LIMITS.maxChannelNameLength + 1)
    const result = decodeClientFrame(JSON.stringify({ subscribe: [long] }))
    expect(result).toMatchObject({ ok: false, problem: { code: ErrorCode.INVALID_CHANNEL, channel: long } })
    if (!result.ok)
      expect(result.problem.message).toContain(`limit is ${DEFAULT_LIMITS.maxChannelNameLength}`)
    expect(decodeClientFrame(JSON.stringify({ subscribe: ['abc'] }), 2).ok).toBe(false)
  })
})

describe('channel names', () => {
  it('allows letters, digits and _ . : -', () => {
    expect(channelNameProblem('order')).toBeNull()
    expect(channelNameProblem('order:123_a.b-c')).toBeNull()
    expect(() => assertChannelName('ünicode')).toThrow(TypeError)
  })
})

describe('encodeEventFrame', () => {
  it('writes the spec frame, with origin only when given', () => {
    expect(JSON.parse(encodeEventFrame('order', 'item_added', { entity_id: '123', item_id: '9' }))).toEqual({
      channel: 'order',
      event: 'item_added',
      payload: { entity_id: '123', item_id: '9' },
    })
    expect(JSON.parse(encodeEventFrame('order', 'created', { entity_id: '1' }, 'conn-1')).origin).toBe(
      'conn-1',
    )
  })

  it.each([
    [['', 'created', {}], /channel must not be empty/],
    [['order', '', {}], /event must be a non-empty string/],
    [['order', 'created', null], /payload must be an object, got null/],
    [['order', 'created', []], /payload must be an object, got array/],
    [
      ['order', 'created', { entity_id: 1.5 }],
      /entity_id must be a string or an integer, got the number 1.5/,
    ],
    [
      ['order', 'created', { entity_id: 2 ** 53 }],
      /entity_id must be a string or an integer, got the number/,
    ],
    [['order', 'created', { entity_id: { id: 1 } }], /entity_id must be a string or an integer, got object/],
    [['order', 'created', { entity_id: null }], /entity_id must be a string or an integer, got null/],
    [['order', 'e'.repeat(129), {}], /event must be a non-empty string of at most 128 characters, got 129/],
    [
      ['order', 'updated', { entity_id: '1', entity_version: '3' }],
      /payload.entity_version must be a finite number, got string/,
    ],
    [
      ['order', 'updated', { entity_id: '1', entity_version: Number.POSITIVE_INFINITY }],
      /payload.entity_version must be a finite number, got the number Infinity/,
    ],
    [['order', 'updated', { entity_version: 3 }], /entity_version needs the entity_id it is the version of/],
  ])('throws a TypeError naming the problem for %j', (args, message) => {
    const [channel, event, payload] = args as [string, string, Record<string, unknown>]
    expect(() => encodeEventFrame(channel, event, payload)).toThrow(message)
    // eventFrameProblem is the same rule set, without throwing.
    expect(eventFrameProblem(channel, event, payload)).toMatch(message)
  })

  it('takes an integer entity_id as it comes (a service with integer keys sends 42)', () => {
    expect(JSON.parse(encodeEventFrame('order', 'updated', { entity_id: 42 }))).toEqual({
      channel: 'order',
      event: 'updated',
      payload: { entity_id: 42 },
    })
    expect(eventFrameProblem('order', 'updated', { entity_id: -7 })).toBeNull()
    expect(entityIdProblem(Number.MAX_SAFE_INTEGER)).toBeNull()
    expect(entityIdProblem(Number.NaN)).toMatch(/got the number NaN/)
  })

  it('carries an entity_version beside entity_id; clients read it with entityVersionOf, ignoring one they cannot read', () => {
    const text = encodeEventFrame('order', 'updated', { entity_id: '1', entity_version: 4 })
    expect(JSON.parse(text).payload).toEqual({ entity_id: '1', entity_version: 4 })
    const decoded = decodeServerFrame(text)
    expect(decoded.ok && isEventFrame(decoded.frame) && entityVersionOf(decoded.frame.payload)).toBe(4)
    // A server that is not ours may send something else: the frame still reads, the version does not.
    const odd = decodeServerFrame(
      '{"channel":"order","event":"updated","payload":{"entity_id":"1","entity_version":"4"}}',
    )
    expect(odd.ok && isEventFrame(odd.frame) && odd.frame.payload.entity_id).toBe('1')
    expect(odd.ok && isEventFrame(odd.frame) && entityVersionOf(odd.frame.payload)).toBeUndefined()
    expect(entityVersionOf({ entity_id: '1' })).toBeUndefined()
    expect(entityVersionOf({ entity_version: 4 })).toBeUndefined()
  })

  it('eventFrameProblem: null exactly when the encoder succeeds', () => {
    expect(eventFrameProblem('order', 'item_added', { entity_id: '1' }, 'c_1')).toBeNull()
    expect(eventFrameProblem('order', 'e'.repeat(MAX_EVENT_NAME_LENGTH))).toBeNull()
    expect(eventFrameProblem('order', 'created', {}, '')).toMatch(/origin must be a non-empty string/)
    expect(eventFrameProblem('order', 'created', { n: 1n })).toMatch(/payload is not JSON-serializable/)
    expect(() => encodeEventFrame('order', 'created', { n: 1n })).toThrow(/payload is not JSON-serializable/)
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(eventFrameProblem('order', 'created', cyclic)).toMatch(/payload is not JSON-serializable/)
    expect(() => encodeEventFrame('order', 'created', cyclic)).toThrow(TypeError)
  })
})

describe('decodeServerFrame', () => {
  it('round-trips every server frame', () => {
    const frames = [
      { channel: 'order', event: 'updated', payload: { entity_id: '1' }, origin: 'c1' },
      { welcome: { connection_id: 'c1', protocol: 1, heartbeat_ms: 30000 } },
      { subscribed: ['order'] },
      { unsubscribed: ['order'] },
      { error: { code: 'forbidden', message: 'no', channel: 'secret' } },
      { resync: ['order'] },
      { pong: 3 },
    ]
    for (const frame of frames) {
      expect(decodeServerFrame(encodeServerFrame(frame as never))).toEqual({ ok: true, frame })
    }
    expect(decodeClientFrame(encodeClientFrame({ subscribe: ['x'] }))).toEqual({
      ok: true,
      frame: { subscribe: ['x'] },
    })
  })

  it('ignores unknown extra keys but refuses unknown shapes', () => {
    const decoded = decodeServerFrame('{"channel":"order","event":"created","payload":{},"future":true}')
    expect(decoded.ok && isEventFrame(decoded.frame)).toBe(true)
    expect(decodeServerFrame('{"hello":1}')).toMatchObject({
      ok: false,
      problem: { code: ErrorCode.INVALID_FRAME },
    })
    expect(decodeServerFrame('{"channel":"o","event":"e","payload":"x"}').ok).toBe(false)
    expect(decodeServerFrame('garbage').ok).toBe(false)
  })

  it('reads an integer entity_id (FastAPI with integer keys)', () => {
    expect(decodeServerFrame('{"channel":"order","event":"updated","payload":{"entity_id":42}}')).toEqual({
      ok: true,
      frame: { channel: 'order', event: 'updated', payload: { entity_id: 42 } },
    })
  })

  it('names the channel of an event frame it cannot read, when the name is valid', () => {
    for (const [text, message] of [
      ['{"channel":"order","event":"updated","payload":{"entity_id":1.5}}', /got the number 1.5/],
      ['{"channel":"order","event":"updated","payload":{"entity_id":{"id":1}}}', /got object/],
      ['{"channel":"order","event":"updated"}', /payload must be an object, got undefined/],
      ['{"channel":"order","event":"updated","payload":[1]}', /payload must be an object, got array/],
      ['{"channel":"order","payload":{}}', /event must be a string, got undefined/],
    ] as const) {
      const decoded = decodeServerFrame(text)
      expect(decoded).toMatchObject({
        ok: false,
        problem: { code: ErrorCode.INVALID_FRAME, channel: 'order' },
      })
      expect(!decoded.ok && decoded.problem.message).toMatch(message)
    }
    const badName = decodeServerFrame('{"channel":"no spaces","event":"e"}')
    expect(badName.ok).toBe(false)
    expect(!badName.ok && badName.problem.channel).toBeUndefined()
    const invalidJson = decodeServerFrame('{"channel":"order"')
    expect(!invalidJson.ok && invalidJson.problem).toMatchObject({ code: ErrorCode.INVALID_JSON })
    expect(!invalidJson.ok && invalidJson.problem.channel).toBeUndefined()
  })

  it('narrows with the guards', () => {
    const welcome = decodeServerFrame('{"welcome":{"connection_id":"abc"}}')
    expect(welcome.ok && isWelcomeFrame(welcome.frame) && welcome.frame.welcome.protocol).toBe(1)
    const resync = decodeServerFrame('{"resync":["order"]}')
    expect(resync.ok && isResyncFrame(resync.frame)).toBe(true)
  })
})

describe('positions and recovery (optional additions)', () => {
  it('encodes a position on an event frame and refuses one that is not a positive safe integer', () => {
    expect(encodeEventFrame('order', 'updated', { entity_id: 'a' }, undefined, 7)).toBe(
      '{"channel":"order","event":"updated","payload":{"entity_id":"a"},"position":7}',
    )
    for (const bad of [0, -1, 1.5, 2 ** 53, Number.NaN]) {
      expect(() => encodeEventFrame('order', 'updated', {}, undefined, bad)).toThrow(/position/)
    }
  })

  it('decodes position, history, ack positions and recovered; leaves out what it cannot read', () => {
    expect(decodeServerFrame('{"channel":"order","event":"e","payload":{},"position":3}')).toEqual({
      ok: true,
      frame: { channel: 'order', event: 'e', payload: {}, position: 3 },
    })
    expect(decodeServerFrame('{"channel":"order","event":"e","payload":{},"position":"3"}')).toEqual({
      ok: true,
      frame: { channel: 'order', event: 'e', payload: {} },
    })
    expect(
      decodeServerFrame('{"welcome":{"connection_id":"c","protocol":1,"heartbeat_ms":5,"history":true}}'),
    ).toEqual({
      ok: true,
      frame: { welcome: { connection_id: 'c', protocol: 1, heartbeat_ms: 5, history: true } },
    })
    expect(decodeServerFrame('{"subscribed":["order"],"positions":{"order":4,"bad name":1,"x":-1}}')).toEqual(
      {
        ok: true,
        frame: { subscribed: ['order'], positions: { order: 4 } },
      },
    )
    const long = 'e'.repeat(65)
    expect(
      decodeServerFrame(
        `{"subscribed":["order","item"],"positions":{"order":4},"epochs":{"order":"7f1c-e","item":"","x":"${long}","bad name":"a","contact":3}}`,
      ),
    ).toEqual({
      ok: true,
      frame: { subscribed: ['order', 'item'], positions: { order: 4 }, epochs: { order: '7f1c-e' } },
    })
    expect(
      decodeServerFrame(
        '{"recovered":{"order":{"position":9,"changed":["a",2]},"contact":{"position":1,"changed":null},"x":{"position":1,"changed":[{}]}}}',
      ),
    ).toEqual({
      ok: true,
      frame: {
        recovered: { order: { position: 9, changed: ['a', 2] }, contact: { position: 1, changed: null } },
      },
    })
  })

  it('decodes a recover frame strictly, naming what is wrong', () => {
    expect(decodeClientFrame('{"recover":{"order":0,"contact":41}}')).toEqual({
      ok: true,
      frame: { recover: { order: 0, contact: 41 } },
    })
    for (const [text, code] of [
      ['{"recover":{"order":-1}}', 'invalid_frame'],
      ['{"recover":{"order":"41"}}', 'invalid_frame'],
      ['{"recover":{}}', 'invalid_frame'],
      ['{"recover":[1]}', 'invalid_frame'],
      ['{"recover":{"no spaces":1}}', 'invalid_channel'],
      ['{"recover":{"order":1},"subscribe":["order"]}', 'invalid_frame'],
    ] as const) {
      const decoded = decodeClientFrame(text)
      expect(decoded.ok, text).toBe(false)
      if (!decoded.ok) expect(decoded.problem.code, text).toBe(code)
    }
  })
})
