/**
 * Where sync-patterns reports what it ignored, gave up on or recovered from, on either side: the
 * browser runtime (`debug` for skipped frames and closed sockets, `warn` for what a developer should
 * see) and the server (`info` for recoveries, `warn` for faults and outages, `error` for failures).
 * `console` is one, and so is `{}` (silence); every method is optional.
 */
export interface Logger {
  debug?(message: string, ...details: unknown[]): void
  info?(message: string, ...details: unknown[]): void
  warn?(message: string, ...details: unknown[]): void
  error?(message: string, ...details: unknown[]): void
}
