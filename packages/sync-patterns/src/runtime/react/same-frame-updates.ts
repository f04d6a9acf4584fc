import { notifyManager } from '@tanstack/react-query'

let installed = false

/**
 * Makes TanStack Query hand cache changes to React in a microtask instead of its default
 * `setTimeout(0)`, so an optimistic change made in a tap handler renders before the browser paints
 * its next frame (with a timer it often misses that frame and shows one frame late).
 *
 * It sets the scheduler of the `notifyManager` that `@tanstack/react-query` itself uses (its
 * copy of `@tanstack/query-core`, whichever the app resolved), once per page; later calls do
 * nothing. `BroadcastProvider` calls it unless `sameFrameUpdates={false}`. It replaces any
 * scheduler the app set before; an app with its own scheduler opts out of the provider's.
 */
export function installSameFrameUpdates(): void {
  if (installed) return
  installed = true
  // The earliest v5 releases have no setScheduler, and schedule with microtasks already.
  if (typeof notifyManager.setScheduler !== 'function') return
  notifyManager.setScheduler((callback) => queueMicrotask(callback))
}
