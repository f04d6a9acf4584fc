import type { BroadcastEngine } from './engine.js'

const DONE: Promise<void> = Promise.resolve()

/**
 * The default engine: one process, no network. `publish` delivers synchronously, so when
 * `backend.broadcast()` resolves, the frame is already queued on every subscriber's socket.
 */
export class MemoryBroadcastEngine implements BroadcastEngine {
  private deliver: ((channel: string, frame: string) => void) | null = null

  start(deliver: (channel: string, frame: string) => void): Promise<void> {
    this.deliver = deliver
    return DONE
  }

  publish(channel: string, frame: string): Promise<void> {
    this.deliver?.(channel, frame)
    return DONE
  }

  // Every channel of this process is local: nothing to listen to.
  addChannel(): void {}
  removeChannel(): void {}

  close(): Promise<void> {
    this.deliver = null
    return DONE
  }
}
