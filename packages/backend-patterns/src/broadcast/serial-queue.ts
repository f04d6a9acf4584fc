/**
 * Runs tasks one after another, synchronously while nothing is pending. A connection's frames are
 * handled in arrival order even when a hook (`authorize`) or the engine is asynchronous, so its
 * replies come back in the order of its requests.
 */
export class SerialQueue {
  private tail: Promise<void> | null = null

  /** Runs `task` after the ones pushed before it; a throw or rejection goes to `onError`. */
  push(task: () => void | Promise<void>, onError: (error: unknown) => void): void {
    if (this.tail === null) {
      let result: void | Promise<void>
      try {
        result = task()
      } catch (error) {
        onError(error)
        return
      }
      if (result) this.track(result, onError)
    } else {
      this.track(this.tail.then(task), onError)
    }
  }

  private track(promise: Promise<void>, onError: (error: unknown) => void): void {
    const tail: Promise<void> = promise.then(
      () => this.settle(tail),
      (error: unknown) => {
        onError(error)
        this.settle(tail)
      },
    )
    this.tail = tail
  }

  private settle(tail: Promise<void>): void {
    if (this.tail === tail) this.tail = null
  }
}
