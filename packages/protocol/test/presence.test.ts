import { describe, expect, it } from 'vitest'
import { decodeClientFrame, decodeServerFrame, isPresenceMembersFrame } from '../src/index.js'

describe('presence frames', () => {
  it('decodes a client presence frame: join with a label, change state, leave with null', () => {
    expect(
      decodeClientFrame('{"presence":{"channel":"order:123","state":"editing","label":"Tablet B"}}'),
    ).toEqual({
      ok: true,
      frame: { presence: { channel: 'order:123', state: 'editing', label: 'Tablet B' } },
    })
    expect(decodeClientFrame('{"presence":{"channel":"order:123","state":"viewing"}}')).toEqual({
      ok: true,
      frame: { presence: { channel: 'order:123', state: 'viewing' } },
    })
    expect(decodeClientFrame('{"presence":{"channel":"order:123","state":null}}')).toEqual({
      ok: true,
      frame: { presence: { channel: 'order:123', state: null } },
    })
  })

  it('refuses a bad presence frame naming the problem (and the channel when it is valid)', () => {
    const result = decodeClientFrame('{"presence":{"channel":"order:1","state":"idle"}}')
    expect(result).toMatchObject({ ok: false, problem: { code: 'invalid_frame', channel: 'order:1' } })
    expect(!result.ok && result.problem.message).toContain(
      '"viewing" or "editing", or null to leave; got "idle"',
    )
    expect(decodeClientFrame('{"presence":{"channel":"","state":"viewing"}}')).toMatchObject({
      ok: false,
      problem: { code: 'invalid_channel' },
    })
    expect(
      decodeClientFrame('{"presence":{"channel":"order:1","state":"viewing","label":""}}'),
    ).toMatchObject({
      ok: false,
      problem: { code: 'invalid_frame', message: expect.stringContaining('label is 0 characters long') },
    })
    expect(decodeClientFrame('{"presence":{"channel":"order:1","state":"viewing"},"ping":1}')).toMatchObject({
      ok: false,
      problem: { code: 'invalid_frame' },
    })
  })

  it('decodes the server members frame tolerantly: unreadable members are left out', () => {
    const decoded = decodeServerFrame(
      '{"presence":{"channel":"order:1","members":[{"id":"p_1","state":"editing","label":"Tablet A","user":"ann"},{"id":2,"state":"editing"},{"id":"p_3","state":"sleeping"}],"extra":1}}',
    )
    expect(decoded.ok && isPresenceMembersFrame(decoded.frame)).toBe(true)
    expect(decoded).toEqual({
      ok: true,
      frame: {
        presence: {
          channel: 'order:1',
          members: [{ id: 'p_1', state: 'editing', label: 'Tablet A', user: 'ann' }],
        },
      },
    })
    expect(decodeServerFrame('{"presence":{"channel":"order:1"}}').ok).toBe(false)
  })

  it('reads welcome.presence', () => {
    expect(
      decodeServerFrame('{"welcome":{"connection_id":"c","protocol":1,"heartbeat_ms":5,"presence":true}}'),
    ).toEqual({
      ok: true,
      frame: { welcome: { connection_id: 'c', protocol: 1, heartbeat_ms: 5, presence: true } },
    })
  })
})
