// @vitest-environment happy-dom

import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { configureClient } from './__generated__/envelopes/client/config'
import { useProject, useProjects } from './__generated__/envelopes/entities/project'
import { useTasks } from './__generated__/envelopes/entities/task'
import {
  useCreateProject,
  useDeleteProject,
  useUpdateProject,
} from './__generated__/envelopes/hooks/useProjectMutations'
import { useCreateTask, useUpdateTask } from './__generated__/envelopes/hooks/useTaskMutations'

// The generated hooks of the envelopes fixture against a real HTTP server on loopback that answers
// lists the way DigitalOcean does ({ projects: [...], links, meta }) and as a cursor page one level
// deep ({ data: { items: [...], next_cursor } }). Each optimistic change must show inside the
// envelope at once, survive the confirming refetch, and roll back alone when the server refuses.

type Row = Record<string, unknown>
const projects: Row[] = []
const tasks: Row[] = []
let nextTaskId = 1
/** Per request: milliseconds to hold it, and whether to refuse it with a 500. */
let fault: (method: string, body: Row) => { delay?: number; fail?: boolean } = () => ({})
let server: Server

async function readBody(request: IncomingMessage): Promise<Row> {
  let text = ''
  for await (const chunk of request) text += chunk
  return text ? (JSON.parse(text) as Row) : {}
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': '*',
      'access-control-allow-methods': '*',
    }
    if (request.method === 'OPTIONS') return response.writeHead(204, cors).end()
    const send = (status: number, body?: unknown) =>
      response
        .writeHead(status, { ...cors, 'content-type': 'application/json' })
        .end(body === undefined ? undefined : JSON.stringify(body))
    const body = await readBody(request)
    const { delay = 0, fail = false } = fault(request.method ?? '', body)
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay))
    if (fail) return send(500, { detail: 'refused' })
    const [, root, id] = new URL(request.url ?? '/', 'http://x').pathname.split('/')
    const rows = root === 'projects' ? projects : tasks
    const at = rows.findIndex((row) => String(row.id) === id)
    if (request.method === 'GET' && !id) {
      if (root === 'projects')
        return send(200, {
          projects,
          links: { pages: { last: '?page=1' } },
          meta: { total: projects.length },
        })
      return send(200, { data: { items: tasks, next_cursor: null } })
    }
    if (request.method === 'GET') {
      if (at === -1) return send(404)
      // DigitalOcean wraps one project too: { project: {...}, links }.
      return send(200, root === 'projects' ? { project: rows[at], links: { self: request.url } } : rows[at])
    }
    if (request.method === 'POST') {
      const row =
        root === 'projects'
          ? { id: randomUUID(), is_default: false, created_at: new Date().toISOString(), ...body }
          : { id: nextTaskId++, done: false, ...body }
      rows.push(row)
      return send(201, row)
    }
    if (request.method === 'PATCH') {
      rows[at] = { ...rows[at], ...body }
      return send(200, rows[at])
    }
    if (request.method === 'DELETE') {
      rows.splice(at, 1)
      return send(204)
    }
    send(405)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  configureClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
})
afterAll(() => new Promise((resolve) => server.close(resolve)))
beforeEach(() => {
  fault = () => ({})
})

function setup() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 60_000 } } })
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
  )
  return { queryClient, wrapper }
}

const names = (page: { projects: { name: string }[] } | undefined) => page?.projects.map((p) => p.name)
const titles = (page: { data: { items: { title: string }[] } } | undefined) =>
  page?.data.items.map((t) => t.title)

describe('optimistic hooks on envelope lists (real server)', () => {
  it("allOf envelope { projects, links, meta }: a create shows at once, the refetch keeps it, the page's other fields stay", async () => {
    projects.splice(0, projects.length, {
      id: randomUUID(),
      name: 'Existing',
      purpose: 'web',
      is_default: true,
      created_at: new Date().toISOString(),
    })
    const { wrapper } = setup()
    fault = (method) => (method === 'POST' ? { delay: 1500 } : {})
    const { result } = renderHook(
      () => ({ list: useProjects({ autoRefresh: false }), create: useCreateProject() }),
      { wrapper },
    )
    await waitFor(() => expect(names(result.current.list.data)).toEqual(['Existing']))
    const created = result.current.create.mutateAsync({ name: 'Launch', purpose: 'web' })
    // At once, while the server still holds the request: inside the envelope, links and meta kept.
    await waitFor(() => expect(names(result.current.list.data)).toEqual(['Existing', 'Launch']))
    expect(result.current.create.isPending).toBe(true)
    expect(result.current.list.data?.links).toEqual({ pages: { last: '?page=1' } })
    expect(result.current.list.data?.meta).toEqual({ total: 1 })

    await act(() => created)
    // The confirming refetch brought the server's page, which has it (and its total).
    await waitFor(() => expect(result.current.list.data?.meta).toEqual({ total: 2 }))
    expect(names(result.current.list.data)).toEqual(['Existing', 'Launch'])
  })

  it('a refused create rolls back, alone; update and delete patch inside the envelopes, list and detail', async () => {
    projects.splice(0, projects.length)
    for (const name of ['A', 'B'])
      projects.push({
        id: randomUUID(),
        name,
        purpose: 'x',
        is_default: false,
        created_at: '2026-01-01T00:00:00Z',
      })
    const [a, b] = projects as [Row, Row]
    const { wrapper } = setup()
    fault = (method, body) =>
      body.name === 'Doomed' ? { delay: 300, fail: true } : method === 'GET' ? {} : { delay: 1500 }
    const { result } = renderHook(
      () => ({
        list: useProjects({ autoRefresh: false }),
        detail: useProject(String(a.id), { autoRefresh: false }),
        create: useCreateProject(),
        doomed: useCreateProject(),
        update: useUpdateProject(),
        remove: useDeleteProject(),
      }),
      { wrapper },
    )
    await waitFor(() => expect(names(result.current.list.data)).toEqual(['A', 'B']))
    await waitFor(() => expect(result.current.detail.data?.project.name).toBe('A'))
    const renamed = result.current.update.mutateAsync({ id: String(a.id), data: { name: 'A2' } })
    const removed = result.current.remove.mutateAsync(String(b.id))
    const kept = result.current.create.mutateAsync({ name: 'Kept', purpose: 'x' })
    const doomed = result.current.doomed.mutateAsync({ name: 'Doomed', purpose: 'x' })
    await waitFor(() => expect(names(result.current.list.data)).toEqual(['A2', 'Kept', 'Doomed']))
    expect(result.current.update.isPending && result.current.remove.isPending).toBe(true)
    // The detail envelope { project, links }: the row inside changed, links kept.
    expect(result.current.detail.data?.project.name).toBe('A2')
    expect(result.current.detail.data?.links).toEqual({ self: `/projects/${a.id}` })

    await expect(doomed).rejects.toMatchObject({ status: 500 })
    await waitFor(() => expect(names(result.current.list.data)).toEqual(['A2', 'Kept']))
    expect(result.current.create.isPending).toBe(true)
    await act(() => Promise.all([renamed, removed, kept]))
    await waitFor(() => expect(result.current.list.data?.meta).toEqual({ total: 2 }))
    expect(names(result.current.list.data)).toEqual(['A2', 'Kept'])
    expect(result.current.detail.data?.project.name).toBe('A2')
  })

  it('cursor page one level deep { data: { items, next_cursor } }: create and update show inside data.items', async () => {
    tasks.splice(0, tasks.length, { id: nextTaskId++, title: 'first', done: false })
    const { wrapper } = setup()
    fault = (method) => (method === 'GET' ? {} : { delay: 1500 })
    const { result } = renderHook(
      () => ({ list: useTasks({ autoRefresh: false }), create: useCreateTask(), update: useUpdateTask() }),
      { wrapper },
    )
    await waitFor(() => expect(titles(result.current.list.data)).toEqual(['first']))
    const first = tasks[0] as Row
    const created = result.current.create.mutateAsync({ title: 'second', done: false })
    const updated = result.current.update.mutateAsync({ id: first.id as number, data: { done: true } })
    await waitFor(() => expect(titles(result.current.list.data)).toEqual(['first', 'second']))
    // Still in flight: what shows is the optimistic change, not the server's answer.
    expect(result.current.create.isPending && result.current.update.isPending).toBe(true)
    expect(result.current.list.data?.data.items[0]?.done).toBe(true)
    expect(result.current.list.data?.data.next_cursor).toBeNull()

    await act(() => Promise.all([created, updated]))
    await waitFor(() => expect(result.current.create.isPending).toBe(false))
    expect(titles(result.current.list.data)).toEqual(['first', 'second'])
    expect(result.current.list.data?.data.items.map((t) => t.done)).toEqual([true, false])
  })
})
