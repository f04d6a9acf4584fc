import type { Logger } from '@pattern-stack/sync-protocol'

/**
 * Logs an outage once, however many operations fail during it, and its end once. A fault that
 * repeats on every publish must not flood the log.
 */
export class OutageLog {
  private down = false

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  get isDown(): boolean {
    return this.down
  }

  /** Records a failure; logs only the first one of an outage. */
  failed(reason: unknown): void {
    if (this.down) return
    this.down = true
    this.logger.warn?.(`${this.what} unavailable: ${describeError(reason)}`)
  }

  /** Records a success; logs the recovery when there was an outage. */
  recovered(detail = ''): void {
    if (!this.down) return
    this.down = false
    const message = `${this.what} recovered${detail ? `: ${detail}` : ''}`
    if (this.logger.info) this.logger.info(message)
    else this.logger.warn?.(message)
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
