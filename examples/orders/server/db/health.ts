/** Error codes that mean "the database cannot be reached", not "this query is wrong". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
])
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end/i

/**
 * Whether `error` (or an error it wraps, as Drizzle wraps the driver's) says the database is
 * unreachable: connection refused, reset or timed out, the server shutting down or full
 * (SQLSTATE class 08, 57P0x, 53300).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; current && depth < 6; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08/.test(code))) return true
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

/** Seconds a client is told to wait (`Retry-After`) while the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5

/**
 * One log line per database outage, not one stack per request: the first failure logs that the
 * database is unavailable, the others while it lasts log nothing, and the first success after it
 * logs that it is back.
 */
export class DatabaseHealth {
  private down = false

  constructor(private readonly log: (line: string) => void = (line) => console.error(line)) {}

  get isDown(): boolean {
    return this.down
  }

  /** A request (or the pool) failed because the database is unreachable. */
  failed(error: unknown): void {
    if (this.down) return
    this.down = true
    const reason = error instanceof Error ? error.message : String(error)
    this.log(
      `database unavailable (${reason}): answering 503 with Retry-After: ${DATABASE_RETRY_AFTER_SECONDS} until it is back`,
    )
  }

  /** A request that used the database succeeded. */
  succeeded(): void {
    if (!this.down) return
    this.down = false
    this.log('database available again')
  }
}
