/**
 * Runs tasks one after another, synchronously while nothing is pending. A connection's frames are
 * handled in arrival order even when a hook (`authorize`) or the engine is asynchronous, so its
 * replies come back in the order of its requests.
 */
export class SerialQueue {
  private tail: Promise<void> | null = null

  constructor(private readonly onError: (error: unknown) => void) {}

  push(task: () => void | Promise<void>): void {
    if (this.tail === null) {
      let result: void | Promise<void>
      try {
        result = task()
      } catch (error) {
        this.onError(error)
        return
      }
      if (result) this.track(result)
    } else {
      this.track(this.tail.then(task))
    }
  }

  private track(promise: Promise<void>): void {
    const tail: Promise<void> = promise.then(
      () => this.settle(tail),
      (error: unknown) => {
        this.onError(error)
        this.settle(tail)
      },
    )
    this.tail = tail
  }

  private settle(tail: Promise<void>): void {
    if (this.tail === tail) this.tail = null
  }
}
