import { createHash } from 'node:crypto'

/** Postgres truncates identifiers (and so LISTEN channel names) to 63 bytes. */
export const POSTGRES_MAX_IDENTIFIER_BYTES = 63
/** A NOTIFY payload must be shorter than 8000 bytes (Postgres' default build). */
export const POSTGRES_MAX_NOTIFY_PAYLOAD_BYTES = 7999
/** Default prefix of Postgres channel names, so several apps can share one database. */
export const DEFAULT_POSTGRES_PREFIX = 'sync:'

const HASH_CHARS = 22 // 132 bits of SHA-256 in base64url
/** Longest prefix that still leaves room for `#` and the hash of a long channel name. */
export const POSTGRES_MAX_PREFIX_BYTES = POSTGRES_MAX_IDENTIFIER_BYTES - 1 - HASH_CHARS
const PREFIX_PATTERN = /^[A-Za-z0-9_.:-]*$/

/** Throws a TypeError naming the problem when `prefix` cannot prefix Postgres channel names. */
export function assertPostgresPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(`prefix must use only letters, digits and _ . : -, got ${JSON.stringify(prefix)}`)
  }
  if (Buffer.byteLength(prefix) > POSTGRES_MAX_PREFIX_BYTES) {
    throw new TypeError(`prefix is ${prefix.length} bytes long; the limit is ${POSTGRES_MAX_PREFIX_BYTES}`)
  }
}

/**
 * The Postgres channel a broadcast channel maps to: `prefix + channel` when that fits in 63 bytes,
 * else `prefix + "#" + hash(channel)`. Broadcast channel names cannot contain `#`, so a hashed
 * name never equals a direct one. Names are case-sensitive; always quote them in LISTEN.
 */
export function postgresChannelName(channel: string, prefix = DEFAULT_POSTGRES_PREFIX): string {
  const direct = prefix + channel
  if (Buffer.byteLength(direct) <= POSTGRES_MAX_IDENTIFIER_BYTES) return direct
  return `${prefix}#${createHash('sha256').update(channel).digest('base64url').slice(0, HASH_CHARS)}`
}

/** The control channel engines with this prefix listen to for resync notices. */
export function postgresControlChannel(prefix = DEFAULT_POSTGRES_PREFIX): string {
  return `${prefix}#resync`
}

/** `"name"`: a quoted identifier for LISTEN/UNLISTEN. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** Throws a RangeError naming the channel and the size when `frame` is too big for NOTIFY. */
export function assertNotifyPayload(channel: string, frame: string): void {
  if (typeof frame !== 'string') throw new TypeError(`frame for channel "${channel}" must be a string`)
  const bytes = Buffer.byteLength(frame)
  if (bytes > POSTGRES_MAX_NOTIFY_PAYLOAD_BYTES) {
    throw new RangeError(
      `broadcast on channel "${channel}" is ${bytes} bytes; Postgres NOTIFY payloads must be shorter ` +
        'than 8000 bytes. Broadcasts are signals: send identifiers, not entities.',
    )
  }
}
