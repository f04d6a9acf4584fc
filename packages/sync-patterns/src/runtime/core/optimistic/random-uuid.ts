type UUID = `${string}-${string}-${string}-${string}-${string}`

/**
 * A v4 UUID for client-generated ids and idempotency keys. `crypto.randomUUID` exists only in
 * secure contexts (https, localhost); a tablet that opens an app as http://192.168.1.20:8000 is not
 * one, so fall back to `crypto.getRandomValues`, which every context has.
 */
export function randomUUID(): UUID {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40 // version 4
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80 // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
