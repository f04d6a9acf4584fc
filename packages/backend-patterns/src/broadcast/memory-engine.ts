import type { BroadcastEngine, DeliverFrame } from './engine.js'

const DONE: Promise<void> = Promise.resolve()

/**
 * The default engine: one process, no network. `publish` delivers synchronously, so when
 * `backend.broadcast()` resolves, the frame is already queued on every subscriber's socket.
 */
export class MemoryBroadcastEngine implements BroadcastEngine {
  private deliver: DeliverFrame | null = null

  start(deliver: DeliverFrame): Promise<void> {
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
