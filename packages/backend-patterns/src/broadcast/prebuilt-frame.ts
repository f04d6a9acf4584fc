import * as ws from 'ws'

interface FrameOptions {
  fin: boolean
  opcode: number
  mask: boolean
  readOnly: boolean
  rsv1: boolean
}
type FrameFunction = (data: Buffer, options: FrameOptions) => Buffer[]

const TEXT_FRAME: FrameOptions = { fin: true, opcode: 0x1, mask: false, readOnly: true, rsv1: false }

/** Builds the complete WebSocket frame (header + payload) of a text message. */
export type TextFrameBuilder = (text: string) => Buffer

/**
 * A builder of complete, unmasked WebSocket text frames on ws's `Sender.frame` (RFC 6455 framing),
 * or `null` when `sender` has no such function or it does not build the frames RFC 6455 says.
 * `Sender.frame` is internal to ws (exported, but not declared by @types/ws), so a ws release may
 * change or drop it; the backend then writes each broadcast with `ws.send` instead.
 */
export function textFrameBuilder(sender: unknown): TextFrameBuilder | null {
  const frame = (sender as { frame?: unknown } | null | undefined)?.frame
  if (typeof frame !== 'function') return null
  const build: TextFrameBuilder = (text) => {
    const payload = Buffer.from(text, 'utf8')
    const [header] = (frame as FrameFunction).call(sender, payload, TEXT_FRAME)
    if (!Buffer.isBuffer(header)) throw new Error('ws Sender.frame returned no header')
    return Buffer.concat([header, payload], header.length + payload.length)
  }
  try {
    // A short frame (7-bit length) and a medium one (16-bit length), checked byte for byte.
    const short = build('ok')
    const medium = build('x'.repeat(200))
    const expectedShort = Buffer.from([0x81, 0x02, 0x6f, 0x6b])
    const expectedMediumHeader = Buffer.from([0x81, 126, 0x00, 200])
    if (!short.equals(expectedShort)) return null
    if (medium.length !== 204 || !medium.subarray(0, 4).equals(expectedMediumHeader)) return null
  } catch {
    return null
  }
  return build
}

/**
 * The complete frame for `text`, as one buffer written as-is to every subscriber's socket: built
 * once per broadcast, not once per subscriber. Only valid on connections without
 * permessage-deflate (the backend disables it). `null` when this ws has no usable `Sender.frame`
 * (see `textFrameBuilder`): then each connection sends the text through `ws.send`.
 */
export const prebuildTextFrame: TextFrameBuilder | null = textFrameBuilder(
  (ws as unknown as { Sender?: unknown }).Sender,
)
