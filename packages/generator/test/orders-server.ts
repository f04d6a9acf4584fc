import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startOrdersMain } from '../../../examples/orders/test/support/start-main.js'
import { configureClient } from './__generated__/orders-fastify/client/config'

/**
 * Runs the real Orders server (examples/orders/server/main.ts) as a child process on a free port,
 * with an empty PGlite database and its fault hook on. A separate process, because the DOM test
 * environment replaces globals (URL) the server relies on.
 */
async function startServer(): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'orders-hooks-'))
  const server = await startOrdersMain({ ORDERS_TEST_FAULTS: '1', PGLITE_DATA_DIR: dataDir })
  return {
    baseUrl: server.url,
    close: async () => {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Header of the Orders server's test fault hook (examples/orders/server/faults.ts). */
export const FAULT_HEADER = 'x-test-fault'

export interface SentRequest {
  method: string
  url: string
  headers: Record<string, string>
  body: string | undefined
}

/**
 * The real Orders API (PGlite, faults on) with the generated client pointed at it. `faults` picks
 * the `X-Test-Fault` value (`delay=300`, `fail=500`) a request carries, so the server itself delays
 * or refuses it; every request still goes over the network to the real server.
 */
export async function startOrdersServer() {
  const server = await startServer()
  // The page is served from the API's origin, as the Orders web app is, so requests are same-origin.
  ;(globalThis as { happyDOM?: { setURL(url: string): void } }).happyDOM?.setURL(`${server.baseUrl}/`)
  const nodeFetch = globalThis.fetch
  const sent: SentRequest[] = []
  const control = {
    server,
    sent,
    faults: (_request: SentRequest): string | undefined => undefined,
    /** Throw away the response of requests this picks, as a dropped connection would (after the server ran them). */
    dropResponse: (_request: SentRequest): boolean => false,
    /** Stop waiting for requests this picks after that many ms, as a timed-out connection would (the server goes on). */
    timeoutMs: (_request: SentRequest): number | undefined => undefined,
    close: () => server.close(),
  }
  configureClient({
    baseUrl: server.baseUrl,
    fetch: async (input, init) => {
      const request: SentRequest = {
        method: init?.method ?? 'GET',
        url: String(input),
        headers: { ...(init?.headers as Record<string, string>) },
        body: typeof init?.body === 'string' ? init.body : undefined,
      }
      sent.push(request)
      const fault = control.faults(request)
      const headers = fault ? { ...request.headers, [FAULT_HEADER]: fault } : request.headers
      const pending = nodeFetch(input, { ...init, headers })
      const timeout = control.timeoutMs(request)
      if (timeout !== undefined) {
        const timedOut = await Promise.race([
          pending.then(() => false),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(true), timeout)),
        ])
        if (timedOut) {
          void pending.then((late) => late.arrayBuffer()).catch(() => {})
          throw new TypeError('fetch failed (timed out by the test)')
        }
      }
      const response = await pending
      if (control.dropResponse(request)) {
        await response.arrayBuffer()
        throw new TypeError('fetch failed (response dropped by the test)')
      }
      return response
    },
  })
  return control
}

/** A draft order created straight over HTTP (not through the hooks under test). */
export async function createDraftOrder(
  baseUrl: string,
  notes = 'first',
): Promise<{ id: string; version: number }> {
  const response = await fetch(`${baseUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ notes }),
  })
  if (response.status !== 201) throw new Error(`creating an order returned ${response.status}`)
  return (await response.json()) as { id: string; version: number }
}
