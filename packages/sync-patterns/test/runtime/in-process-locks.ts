import type { TabLockManager } from '../../src/runtime/core/tab-leader.js'

/**
 * Exclusive locks as the Web Locks API grants them (one holder per name, the others queued in
 * order, a queued request withdrawn by its signal), for Node 20, which has no `navigator.locks`.
 * The participants of one test share one instance, as the tabs of one browser share the origin's.
 */
export function inProcessLocks(): TabLockManager {
  const queues = new Map<string, (() => void)[]>()
  const held = new Set<string>()
  const next = (name: string) => {
    if (held.has(name)) return
    const grant = queues.get(name)?.shift()
    grant?.()
  }
  return {
    request(name, options, callback) {
      return new Promise((resolve, reject) => {
        const grant = () => {
          options.signal?.removeEventListener('abort', onAbort)
          held.add(name)
          Promise.resolve()
            .then(() => callback({ name }))
            .then(resolve, reject)
            .finally(() => {
              held.delete(name)
              next(name)
            })
        }
        const onAbort = () => {
          const queue = queues.get(name) ?? []
          const index = queue.indexOf(grant)
          if (index !== -1) queue.splice(index, 1)
          reject(new DOMException('the request was aborted', 'AbortError'))
        }
        if (options.signal?.aborted) return onAbort()
        options.signal?.addEventListener('abort', onAbort)
        const queue = queues.get(name) ?? []
        queues.set(name, queue)
        queue.push(grant)
        next(name)
      })
    },
  }
}
