import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** Separates a token (or connection id) from a sub-origin: not in a connection id or a base64url signature. */
const SUB_ORIGIN_SEPARATOR = '~'
/** A sub-origin: short, and only characters that need no escaping in a header or an `origin`. */
const SUB_ORIGIN = /^[A-Za-z0-9_-]{1,32}$/

/** Shortest `originSecret` accepted, in bytes (UTF-8 for a string). */
export const MIN_ORIGIN_SECRET_BYTES = 32

/**
 * Origin tokens (docs/protocol.md, "Origin and echo suppression"): the proof a client sends as
 * `X-Broadcast-Origin` that a change is its own. A token is `<connection id>.<HMAC-SHA256 of the id
 * under the secret>`, handed only to that connection in its `welcome`; broadcasts carry only the
 * public id as `origin`, and the id alone does not verify. Stateless, so every instance that shares
 * the secret verifies every other's tokens; without a shared secret each process draws its own, and
 * a token from another instance is ignored (that client just refetches its own echo).
 */
export class OriginTokens {
  private readonly key: Buffer

  constructor(secret?: string | Uint8Array) {
    if (secret === undefined) {
      this.key = randomBytes(32)
      return
    }
    const key =
      typeof secret === 'string'
        ? Buffer.from(secret, 'utf8')
        : secret instanceof Uint8Array
          ? Buffer.from(secret)
          : null
    if (key === null || key.length < MIN_ORIGIN_SECRET_BYTES) {
      throw new TypeError(
        `originSecret must be a string or bytes of at least ${MIN_ORIGIN_SECRET_BYTES} bytes (e.g. openssl rand -base64 32)`,
      )
    }
    this.key = key
  }

  /** The token for `connectionId`. */
  issue(connectionId: string): string {
    return `${connectionId}.${this.sign(connectionId)}`
  }

  /**
   * The origin a token proves: the connection id, or `<connection id>~<sub-origin>` for a token
   * followed by `~<sub-origin>` (docs/protocol.md, "Sub-origins": the tabs sharing one connection
   * each tell their own echoes apart). `undefined` for anything else (a bare connection id, a token
   * signed with another secret, a forged or malformed value, a non-string).
   */
  verify(token: unknown): string | undefined {
    if (typeof token !== 'string' || token.length > 256) return undefined
    const tilde = token.indexOf(SUB_ORIGIN_SEPARATOR)
    const signed = tilde === -1 ? token : token.slice(0, tilde)
    const sub = tilde === -1 ? undefined : token.slice(tilde + 1)
    if (sub !== undefined && !SUB_ORIGIN.test(sub)) return undefined
    const dot = signed.lastIndexOf('.')
    if (dot <= 0) return undefined
    const id = signed.slice(0, dot)
    const given = Buffer.from(signed.slice(dot + 1), 'utf8')
    const expected = Buffer.from(this.sign(id), 'utf8')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    return sub === undefined ? id : `${id}${SUB_ORIGIN_SEPARATOR}${sub}`
  }

  private sign(connectionId: string): string {
    return createHmac('sha256', this.key).update(connectionId).digest('base64url')
  }
}
