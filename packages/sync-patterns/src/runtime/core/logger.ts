/**
 * Where the runtime reports what it ignored or gave up on: `debug` for frames it skipped and closed
 * sockets, `warn` for what a developer should see (a server's error frame, a handler that threw, a
 * connect timeout, a hook with no broadcast client). One type for every part of the runtime.
 */
export interface Logger {
  debug(message: string, ...details: unknown[]): void
  warn(message: string, ...details: unknown[]): void
}

/** The default: the console, each message prefixed `[sync-patterns]`. */
export const consoleLogger: Logger = {
  debug: (message, ...details) => console.debug(`[sync-patterns] ${message}`, ...details),
  warn: (message, ...details) => console.warn(`[sync-patterns] ${message}`, ...details),
}
