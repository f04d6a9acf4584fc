import { createServer, type IncomingHttpHeaders } from 'node:http'
import { describe, expect, it } from 'vitest'
import { configureClient } from './__generated__/fastapi-pydantic-v1/client/config'
import { ticketApi } from './__generated__/fastapi-pydantic-v1/client/ticket'
import { serveGeneratedClient } from './support/loopback-server.js'

// The FastAPI spec declares `authorization` as a header parameter of GET /api/v1/tickets/: the
// generated client types it in `options.headers`, and the runtime sends it.

let seen: IncomingHttpHeaders | undefined
const server = createServer((request, response) => {
  seen = request.headers
  response.setHeader('content-type', 'application/json')
  response.end(JSON.stringify({ items: [], total: 0 }))
})

serveGeneratedClient(server, configureClient)

describe('declared header parameters', () => {
  it('are typed in options.headers and sent; numbers as text, undefined ones not at all', async () => {
    await ticketApi.list(undefined, {
      headers: { authorization: 'Bearer t0ken', 'x-page-size': 20, 'x-unset': undefined },
    })
    expect(seen?.authorization).toBe('Bearer t0ken')
    expect(seen?.['x-page-size']).toBe('20')
    expect(seen).not.toHaveProperty('x-unset')
    // Checked by `npm run typecheck`, not run: a value of the declared header's wrong type does not compile.
    // @ts-expect-error: authorization is declared as a string
    void (() => ticketApi.list(undefined, { headers: { authorization: 42 } }))
  })
})
