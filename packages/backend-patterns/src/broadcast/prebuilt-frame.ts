import * as ws from 'ws'

interface FrameOptions {
  fin: boolean
  opcode: number
  mask: boolean
  readOnly: boolean
  rsv1: boolean
}
// ws exports its Sender (RFC 6455 framing) but @types/ws does not declare it.
const { Sender } = ws as unknown as {
  Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] }
}

const TEXT_FRAME: FrameOptions = { fin: true, opcode: 0x1, mask: false, readOnly: true, rsv1: false }

/**
 * The complete, unmasked WebSocket text frame (header + payload) for `text`, as one buffer that can
 * be written as-is to every subscriber's socket: built once per broadcast, not once per subscriber.
 * Only valid on connections without permessage-deflate (the backend disables it).
 */
export function prebuildTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8')
  const [header] = Sender.frame(payload, TEXT_FRAME)
  if (!header) throw new Error('ws Sender.frame returned no header')
  return Buffer.concat([header, payload], header.length + payload.length)
}
