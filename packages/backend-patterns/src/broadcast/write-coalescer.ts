/** Something corked for the rest of the current tick. */
export interface Uncorkable {
  uncork(): void
}

/**
 * Coalesces writes to the same socket within one tick. A connection corks its socket on its first
 * write of a tick and registers here; one `process.nextTick` uncorks every connection corked in
 * that tick. Node then hands all frames of a socket to the kernel in one writev, so 40
 * back-to-back broadcasts cost one syscall per subscriber instead of 40.
 *
 * `process.nextTick` rather than a microtask on purpose: it runs once the microtask queue is
 * drained, so a loop of `await backend.broadcast()` still coalesces.
 */
export class WriteCoalescer {
  private corked: Uncorkable[] = []
  private readonly flush = (): void => {
    const corked = this.corked
    this.corked = []
    for (let i = 0; i < corked.length; i++) (corked[i] as Uncorkable).uncork()
  }

  /** Call right after corking: `target.uncork()` runs at the end of this tick. */
  add(target: Uncorkable): void {
    if (this.corked.length === 0) process.nextTick(this.flush)
    this.corked.push(target)
  }
}
