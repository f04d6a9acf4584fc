/**
 * bench:memory's server process (forked by connection-memory.ts with --expose-gc): one of the
 * fan-out servers of bench:fanout, alone in its process so its heap is its own. Answers `heap`
 * over IPC with the heap after full garbage collections.
 */
import { type Implementation, startFanoutServer } from './fanout-servers.js'

export type ToServer = { type: 'heap' } | { type: 'close' }
export type FromServer =
  | { type: 'listening'; url: string }
  | { type: 'heap'; heapUsed: number; external: number; arrayBuffers: number }

const implementation = process.argv[2] as Implementation
const server = await startFanoutServer(implementation)
const send = (message: FromServer) => process.send?.(message)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')

/** Full collections until the heap stops shrinking (weak callbacks and finalizers run in between). */
async function settledHeap(): Promise<NodeJS.MemoryUsage> {
  let previous = Number.POSITIVE_INFINITY
  for (let i = 0; i < 10; i++) {
    gc?.()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const used = process.memoryUsage().heapUsed
    if (used >= previous - 1024) break
    previous = used
  }
  return process.memoryUsage()
}

process.on('message', (message: ToServer) => {
  if (message.type === 'heap') {
    void settledHeap().then(({ heapUsed, external, arrayBuffers }) =>
      send({ type: 'heap', heapUsed, external, arrayBuffers }),
    )
  } else {
    void server.close().then(() => process.exit(0))
  }
})
send({ type: 'listening', url: server.url })
