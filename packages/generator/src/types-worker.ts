import { parentPort } from 'node:worker_threads'
import { emitOpenApiTypes } from './emit/emit-types.js'
import type { TypesReply, TypesRequest } from './types-in-worker.js'

// Builds `schemas/openapi.ts` off the main thread (see typesInWorker.ts). Each request carries its
// own copy of the document (postMessage clones it), so nothing is shared between requests.
parentPort?.on('message', async ({ id, document }: TypesRequest) => {
  let reply: TypesReply
  try {
    reply = { id, printed: await emitOpenApiTypes(document, { cloned: true }) }
  } catch {
    reply = { id, failed: true } // the main thread repeats the step to throw the error itself
  }
  parentPort?.postMessage(reply)
})
