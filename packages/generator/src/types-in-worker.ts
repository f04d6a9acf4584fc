import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { emitOpenApiTypes } from './emit/emit-types.js'

export interface TypesRequest {
  id: number
  document: Record<string, unknown>
}
export type TypesReply = { id: number; printed: string } | { id: number; failed: true }

/** openapi-typescript's output, unformatted (the TypeScript printer's style). */
export type OpenApiTypes = string

/**
 * The types step (openapi-typescript and the TypeScript printer, the slowest step of a run) runs
 * on a worker thread, on the second core, while the main thread normalizes the document, emits
 * the hooks and writes. The worker starts with the first run and stays for the next ones (watch
 * mode, several calls in one process), loading TypeScript once; it is unreferenced while idle, so
 * it never keeps a process alive. Where a worker cannot start, the step runs on the main thread.
 */
let worker: Worker | undefined
let workerUnavailable = false
let nextId = 0
/** Requests in flight, with their document: if the worker dies, the main thread answers them. */
const pending = new Map<
  number,
  {
    document: Record<string, unknown>
    resolve: (types: OpenApiTypes) => void
    reject: (error: unknown) => void
  }
>()

/** Starts the worker ahead of the first request, so TypeScript loads while the document does. */
export function warmTypesWorker(): void {
  if (!worker && !workerUnavailable) worker = startWorker()
}

export function openApiTypesInWorker(document: Record<string, unknown>): Promise<OpenApiTypes> {
  warmTypesWorker()
  const current = worker
  if (!current) return openApiTypesHere(document)
  const id = nextId++
  return new Promise<OpenApiTypes>((resolve, reject) => {
    pending.set(id, { document, resolve, reject })
    current.ref() // a request in flight keeps the process alive until its reply
    current.postMessage({ id, document } satisfies TypesRequest)
  })
}

function openApiTypesHere(document: Record<string, unknown>): Promise<OpenApiTypes> {
  return emitOpenApiTypes(document)
}

function startWorker(): Worker | undefined {
  // Next to this module: types-worker.js in the built package, types-worker.ts when run from source
  // (tests, tsx), where the worker first installs tsx's require hook to read TypeScript.
  const fromSource = import.meta.url.endsWith('.ts')
  const url = new URL(`./types-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url)
  let started: Worker
  try {
    // A large young generation: the transformer allocates a great deal of short-lived nodes, and
    // fewer, cheaper scavenges take about a tenth off the step (up to 128 MB more memory, only while used).
    const resourceLimits = { maxYoungGenerationSizeMb: 128 }
    started = fromSource
      ? new Worker(throughTsx(url), { eval: true, resourceLimits })
      : new Worker(url, { resourceLimits })
  } catch (error) {
    workerUnavailable = true
    warnNoWorker(error)
    return undefined
  }
  started.on('message', (reply: TypesReply) => {
    const request = pending.get(reply.id)
    pending.delete(reply.id)
    if (pending.size === 0) started.unref()
    if (!request) return
    // The main thread repeats a failed step to throw its error as itself (an error does not cross
    // the thread boundary intact; the document is invalid in a way the earlier checks let through).
    if ('failed' in reply) openApiTypesHere(request.document).then(request.resolve, request.reject)
    else request.resolve(reply.printed)
  })
  // A worker that dies (it could not load, or crashed) hands its requests to the main thread.
  // Said once, not thrown: the output is the same, only slower.
  started.on('error', warnNoWorker)
  started.on('exit', () => {
    if (worker === started) worker = undefined
    workerUnavailable = true
    for (const [id, request] of pending) {
      pending.delete(id)
      openApiTypesHere(request.document).then(request.resolve, request.reject)
    }
  })
  // After the listeners: adding a 'message' listener refs the worker again.
  started.unref()
  return started
}

function warnNoWorker(error: unknown): void {
  const reason = error instanceof Error ? error.message : String(error)
  process.emitWarning(`the types worker stopped (${reason}); types are built on the main thread`, {
    code: 'SYNC_PATTERNS_TYPES_WORKER',
  })
}

/**
 * Worker code for running from source: tsx's require hook (ESM loader hooks do not reach worker
 * threads on Node 20) compiles the TypeScript module as it loads.
 */
function throughTsx(module: URL): string {
  const require = createRequire(import.meta.url)
  return `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(fileURLToPath(module))})`
}
