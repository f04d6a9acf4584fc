// @vitest-environment happy-dom

import { createServer } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { beforeEach, describe, expect, it } from 'vitest'
import { generateFiles } from '../src/index.js'
import { configureClient } from './__generated__/request-bodies/client/config'
import { noteApi } from './__generated__/request-bodies/client/note'
import { releaseApi } from './__generated__/request-bodies/client/release'
import { useNotes } from './__generated__/request-bodies/entities/note'
import { useUpdateDeployment } from './__generated__/request-bodies/hooks/useDeploymentMutations'
import { useReplaceNote, useUpdateNote } from './__generated__/request-bodies/hooks/useNoteMutations'
import { serveGeneratedClient } from './support/loopback-server.js'

// The request bodies real documents have beyond one JSON object per write (GitHub's, for one): a
// DELETE with a body, a JSON Patch array, a bare string, a nullable PATCH body, an optional body
// before a required query parameter, a `version` property that is a release label and not the
// optimistic-locking version, and a GET with a body, which fetch cannot send. The snapshot
// (`__generated__/request-bodies`) compiles under the repo's typecheck; here the client and hooks
// meet a real server that records what it received.

const here = dirname(fileURLToPath(import.meta.url))
const fixture = join(here, 'fixtures/request-bodies.openapi.yaml')

interface Seen {
  method: string
  url: string
  type: string | undefined
  body: string
}
const seen: Seen[] = []
const note = { id: 'n1', title: 'Groceries', body: null, version: 3, release: '2.0' }

// happy-dom applies CORS, as a browser would.
const cors = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': '*',
  'access-control-allow-methods': '*',
}
const server = createServer((request, response) => {
  if (request.method === 'OPTIONS') return response.writeHead(204, cors).end()
  let body = ''
  request.on('data', (chunk: Buffer) => {
    body += chunk
  })
  request.on('end', () => {
    seen.push({
      method: request.method ?? '',
      url: request.url ?? '',
      type: request.headers['content-type'],
      body,
    })
    if (request.method === 'DELETE') return response.writeHead(204, cors).end()
    response.writeHead(request.method === 'POST' ? 201 : 200, { ...cors, 'content-type': 'application/json' })
    response.end(
      JSON.stringify(request.url === '/notes' ? [note] : request.method === 'POST' ? { id: 7 } : note),
    )
  })
})
serveGeneratedClient(server, configureClient)
beforeEach(() => {
  seen.length = 0
})

function wrapper({ children }: { children: ReactNode }) {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  })
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>
}

describe('bodies the client sends as the document declares them', () => {
  it('a DELETE with a JSON body sends the body', async () => {
    await noteApi.delete('n1', { reason: 'duplicate' })
    expect(seen).toEqual([
      { method: 'DELETE', url: '/notes/n1', type: 'application/json', body: '{"reason":"duplicate"}' },
    ])
  })

  it('a JSON Patch array goes out as the array, under its own media type', async () => {
    await noteApi.patchNote('n1', [{ op: 'replace', path: '/title', value: 'Shopping' }])
    expect(seen[0]?.type).toBe('application/json-patch+json')
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual([{ op: 'replace', path: '/title', value: 'Shopping' }])
  })

  it('a bare JSON string is sent as JSON text', async () => {
    await noteApi.setNoteTitle('n1', 'Shopping')
    expect(seen[0]?.body).toBe('"Shopping"')
  })

  it('an optional body before a required query parameter can be left out (undefined)', async () => {
    await expect(releaseApi.uploadAsset(5, undefined, { name: 'notes.txt' })).resolves.toEqual({ id: 7 })
    expect(seen).toEqual([
      { method: 'POST', url: '/releases/5/assets?name=notes.txt', type: undefined, body: '' },
    ])
  })

  it('a GET with a body: the generator says so, and the client sends the GET without one', async () => {
    const { model } = await generateFiles(fixture)
    expect(model.warnings).toEqual([
      'GET /notes/search: the request body is not sent; fetch, in browsers and in Node, refuses a body on GET',
    ])
    await noteApi.searchNotes()
    expect(seen).toEqual([{ method: 'GET', url: '/notes/search', type: undefined, body: '' }])
  })
})

describe('update hooks on these bodies', () => {
  it('an integer `version` is the locking version: the hook takes it apart and sends it', async () => {
    const { result } = renderHook(() => ({ notes: useNotes(), update: useUpdateNote() }), { wrapper })
    await waitFor(() => expect(result.current.notes.data).toEqual([note]))
    await act(() => result.current.update.mutateAsync({ id: 'n1', data: { title: 'Shopping' }, version: 3 }))
    const patch = seen.find((s) => s.method === 'PATCH')
    expect(JSON.parse(patch?.body ?? '')).toEqual({ title: 'Shopping', version: 3 })
  })

  it('a nullable update body: the hook takes the object form', async () => {
    const { result } = renderHook(() => useUpdateNote(), { wrapper })
    await act(() => result.current.mutateAsync({ id: 'n1', data: { body: null } }))
    expect(JSON.parse(seen.find((s) => s.method === 'PATCH')?.body ?? '')).toEqual({ body: null })
  })

  it('only an integer or number `version` is taken as the locking version', async () => {
    const { model } = await generateFiles(fixture)
    const locking = Object.fromEntries(
      model.entities
        .flatMap((e) => e.operations)
        .flatMap((op) => (op.body ? [[op.operationId, op.body.lockingVersion]] : [])),
    )
    expect(locking).toEqual({
      updateNote: true,
      replaceNote: false,
      deleteNote: false,
      patchNote: false,
      setNoteTitle: false,
      updateDeployment: false,
      uploadAsset: false,
    })
  })

  it('a string `version` (a release label) is an ordinary field, sent as given', async () => {
    const deployment = renderHook(() => useUpdateDeployment(), { wrapper })
    await act(() =>
      deployment.result.current.mutateAsync({ id: 'd1', data: { version: '2.1', name: 'api' } }),
    )
    expect(JSON.parse(seen.at(-1)?.body ?? '')).toEqual({ version: '2.1', name: 'api' })
    const replace = renderHook(() => useReplaceNote(), { wrapper })
    await act(() =>
      replace.result.current.mutateAsync({
        id: 'n1',
        data: { title: 'Shopping', release: '2.1', version: '2.1' },
      }),
    )
    expect(JSON.parse(seen.at(-1)?.body ?? '')).toEqual({ title: 'Shopping', release: '2.1', version: '2.1' })
  })
})
