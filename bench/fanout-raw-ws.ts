/**
 * A minimal WebSocket client on a raw TCP socket for the load side of bench:fanout: it parses
 * frame headers and hands text payloads to a callback without copying, so thousands of clients in
 * one process cost little and the time to the last subscriber reflects the server, not the client
 * library. Enough of RFC 6455 for unfragmented, uncompressed server frames; answers pings.
 */
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

const OPCODE_TEXT = 0x1
const OPCODE_CLOSE = 0x8
const OPCODE_PING = 0x9
const OPCODE_PONG = 0xa

export class RawWsClient {
  private socket: Socket
  private pending: Buffer | null = null
  private upgraded = false

  constructor(
    url: string,
    /** Called for every text frame; `payload` is only valid during the call. */
    private readonly onText: (payload: Buffer) => void,
    onOpen: () => void,
    onError: (error: Error) => void,
    /** Further upgrade request headers (`Name: value` each), e.g. a browser's. */
    extraHeaders: Record<string, string> = {},
  ) {
    const { hostname, port, pathname, search } = new URL(url)
    this.socket = connect(Number(port), hostname)
    this.socket.setNoDelay(true)
    this.socket.on('error', onError)
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\n' +
          Object.entries(extraHeaders)
            .map(([name, value]) => `${name}: ${value}\r\n`)
            .join('') +
          '\r\n',
      )
    })
    this.socket.on('data', (chunk: Buffer) => {
      let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk
      this.pending = null
      if (!this.upgraded) {
        const end = data.indexOf('\r\n\r\n')
        if (end === -1) {
          this.pending = data
          return
        }
        const status = data.toString('latin1', 0, 12)
        if (status !== 'HTTP/1.1 101') {
          onError(new Error(`upgrade refused: ${data.toString('latin1', 0, data.indexOf('\r\n'))}`))
          this.socket.destroy()
          return
        }
        this.upgraded = true
        data = data.subarray(end + 4)
        onOpen()
      }
      this.parse(data)
    })
  }

  get closed(): boolean {
    return this.socket.destroyed
  }

  private parse(data: Buffer): void {
    let offset = 0
    while (data.length - offset >= 2) {
      const opcode = (data[offset] as number) & 0x0f
      let length = (data[offset + 1] as number) & 0x7f
      let header = 2
      if (length === 126) {
        if (data.length - offset < 4) break
        length = data.readUInt16BE(offset + 2)
        header = 4
      } else if (length === 127) {
        if (data.length - offset < 10) break
        length = Number(data.readBigUInt64BE(offset + 2))
        header = 10
      }
      if (data.length - offset < header + length) break
      const payload = data.subarray(offset + header, offset + header + length)
      offset += header + length
      if (opcode === OPCODE_TEXT) this.onText(payload)
      else if (opcode === OPCODE_PING) this.sendFrame(OPCODE_PONG, Buffer.from(payload))
      else if (opcode === OPCODE_CLOSE) this.socket.end()
    }
    if (offset < data.length) this.pending = Buffer.from(data.subarray(offset))
  }

  send(text: string): void {
    this.sendFrame(OPCODE_TEXT, Buffer.from(text))
  }

  /** Client frames must be masked (RFC 6455 §5.3). */
  private sendFrame(opcode: number, payload: Buffer): void {
    if (this.socket.destroyed) return
    const extended = payload.length > 125 ? 2 : 0
    const frame = Buffer.alloc(2 + extended + 4 + payload.length)
    frame[0] = 0x80 | opcode
    frame[1] = 0x80 | (extended ? 126 : payload.length)
    if (extended) frame.writeUInt16BE(payload.length, 2)
    const mask = randomBytes(4)
    mask.copy(frame, 2 + extended)
    for (let i = 0; i < payload.length; i++) {
      frame[2 + extended + 4 + i] = (payload[i] as number) ^ (mask[i & 3] as number)
    }
    this.socket.write(frame)
  }

  destroy(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve())
      this.socket.destroy()
    })
  }
}
