import type { Logger } from '@pattern-stack/sync-protocol'

/**
 * Where the runtime reports what it ignored or gave up on: `debug` for frames it skipped and closed
 * sockets, `warn` for what a developer should see (a server's error frame, a handler that threw, a
 * connect timeout, a hook with no broadcast client). The type is the protocol package's `Logger`,
 * the one both sides use.
 */
export type { Logger } from '@pattern-stack/sync-protocol'

/** The default: the console, each message prefixed `[sync-patterns]`. */
export const consoleLogger = {
  debug: (message, ...details) => console.debug(`[sync-patterns] ${message}`, ...details),
  warn: (message, ...details) => console.warn(`[sync-patterns] ${message}`, ...details),
} satisfies Logger
