/**
 * The part of the Web Locks API (`navigator.locks`) leader election needs. The browser's fits; a
 * platform without it (Node 20, old browsers) can pass any implementation with the same semantics:
 * one holder at a time, the others queued in order, a queued request withdrawn by its `signal`.
 */
export interface TabLockManager {
  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>
}

/** The page's Web Locks, or `undefined` where there are none. */
export function pageLocks(): TabLockManager | undefined {
  const locks = (globalThis as { navigator?: { locks?: TabLockManager } }).navigator?.locks
  return typeof locks?.request === 'function' ? locks : undefined
}

export interface TabLeadership {
  /** Steps down if leading and stops queueing for the lock (until `start()` again). */
  stop(): void
  /** Queues for the lock again (idempotent). */
  start(): void
}

interface PageEvents {
  addEventListener(type: string, listener: (event: { persisted?: boolean }) => void): void
  removeEventListener(type: string, listener: (event: { persisted?: boolean }) => void): void
}

/**
 * Leader election among the tabs of one origin through an exclusive Web Lock named `name`: every
 * participant queues for it, the browser grants it to one, and when that tab closes or crashes the
 * browser releases it and grants it to the next in the queue, without any timeout. While this
 * participant holds it, `lead()` runs; the function it returns ends the leadership.
 *
 * A tab the browser freezes (Page Lifecycle `freeze`, or a `pagehide` into the back/forward cache)
 * would keep the lock while running nothing, so it steps down first and queues again on `resume`
 * (`pageshow`).
 */
export function followTabLeadership(
  locks: TabLockManager,
  name: string,
  lead: () => () => void,
): TabLeadership {
  let wanted = false
  let queued: AbortController | undefined
  let release: (() => void) | undefined
  let endLead: (() => void) | undefined

  const stepDown = () => {
    queued?.abort()
    queued = undefined
    const end = endLead
    endLead = undefined
    end?.()
    release?.()
    release = undefined
  }

  const queue = () => {
    if (!wanted || queued || release) return
    const controller = new AbortController()
    queued = controller
    locks
      .request(
        name,
        { signal: controller.signal },
        () =>
          new Promise<void>((resolve) => {
            if (queued === controller) queued = undefined
            if (!wanted || controller.signal.aborted) return resolve()
            release = resolve
            endLead = lead()
          }),
      )
      .catch(() => {
        // AbortError: the queued request was withdrawn (stop, freeze). Nothing to do.
      })
      .finally(() => {
        if (queued === controller) queued = undefined
      })
  }

  const page = (globalThis as { document?: PageEvents }).document
  const onFreeze = () => stepDown()
  const onResume = () => queue()
  const onPageHide = (event: { persisted?: boolean }) => {
    if (event.persisted) stepDown()
  }
  const onPageShow = (event: { persisted?: boolean }) => {
    if (event.persisted) queue()
  }
  const win = globalThis as unknown as Partial<PageEvents>
  const listen = (on: boolean) => {
    const method = on ? 'addEventListener' : 'removeEventListener'
    page?.[method]('freeze', onFreeze)
    page?.[method]('resume', onResume)
    if (page) {
      win[method]?.('pagehide', onPageHide)
      win[method]?.('pageshow', onPageShow)
    }
  }

  return {
    start() {
      if (!wanted) listen(true)
      wanted = true
      queue()
    },
    stop() {
      if (wanted) listen(false)
      wanted = false
      stepDown()
    },
  }
}
