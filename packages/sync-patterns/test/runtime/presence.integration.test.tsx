// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react'
import { useState } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { BroadcastClient } from '../../src/runtime/core/broadcast-client.js'
import {
  PresenceClient,
  type PresenceMember,
  presenceChannel,
} from '../../src/runtime/core/presence-client.js'
import { BroadcastProvider } from '../../src/runtime/react/broadcast-provider.js'
import { usePresence } from '../../src/runtime/react/use-presence.js'
import { recordingLogger } from './fake-websocket.js'
import { type RealServer, startRealServer } from './real-server.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  cleanup()
  for (const done of cleanups.splice(0).reverse()) await done()
})

async function server(port?: number): Promise<RealServer> {
  const s = await startRealServer(port)
  cleanups.push(() => s.close())
  return s
}

function client(url: string): BroadcastClient {
  const c = new BroadcastClient(url, {
    WebSocket,
    signals: false,
    logger: recordingLogger().logger,
    reconnectDelay: 20,
    maxReconnectDelay: 100,
  })
  cleanups.push(() => c.disconnect())
  c.connect()
  return c
}

/** Records what a listener hears. */
function heard() {
  const lists: PresenceMember[][] = []
  return { lists, listener: (members: PresenceMember[]) => lists.push(members), last: () => lists.at(-1) }
}

describe('PresenceClient against the real server', () => {
  it('two clients see each other join, change state and leave; participants of one app share one announcement', async () => {
    const s = await server()
    const a = client(s.url)
    const b = client(s.url)
    const onA = heard()
    const onB = heard()
    const channel = presenceChannel('order', 42)
    expect(channel).toBe('order:42')
    const handleA = PresenceClient.of(a).join(channel, { state: 'viewing', label: 'Tablet A' }, onA.listener)
    const handleB = PresenceClient.of(b).join(channel, { label: 'Tablet B' }, onB.listener)
    await vi.waitFor(() =>
      expect(onA.last()).toEqual([{ id: expect.any(String), state: 'viewing', label: 'Tablet B' }]),
    )
    await vi.waitFor(() => expect(onB.last()?.[0]?.label).toBe('Tablet A'))

    // A second participant in app A edits: A as a whole is editing; when it leaves, viewing again.
    const editor = PresenceClient.of(a).join(channel, { state: 'editing' }, () => {})
    await vi.waitFor(() => expect(onB.last()?.[0]?.state).toBe('editing'))
    expect(s.backend.getPresence(channel)).toHaveLength(2)
    editor.leave()
    await vi.waitFor(() => expect(onB.last()?.[0]?.state).toBe('viewing'))

    handleA.update({ state: 'editing', label: 'Tablet A' })
    await vi.waitFor(() => expect(onB.last()?.[0]?.state).toBe('editing'))
    handleA.leave()
    await vi.waitFor(() => expect(onB.last()).toEqual([]))
    expect(s.backend.getPresence(channel)).toHaveLength(1)
    handleB.leave()
    await vi.waitFor(() => expect(s.backend.getPresence(channel)).toEqual([]))
  })

  it('after a server restart the client announces itself again; while disconnected nobody is listed', async () => {
    const first = await startRealServer()
    const port = first.port
    const a = client(first.url)
    const b = client(first.url)
    const onB = heard()
    PresenceClient.of(a).join('order:1', { state: 'editing', label: 'Tablet A' }, () => {})
    PresenceClient.of(b).join('order:1', { label: 'Tablet B' }, onB.listener)
    await vi.waitFor(() => expect(onB.last()).toHaveLength(1))
    await first.close()
    await vi.waitFor(() => expect(onB.last()).toEqual([]))
    const second = await server(port)
    await vi.waitFor(() => expect(second.backend.getPresence('order:1')).toHaveLength(2))
    await vi.waitFor(() => expect(onB.last()?.[0]).toMatchObject({ state: 'editing', label: 'Tablet A' }))
  })

  it('sends nothing to a spec-only server (no presence in its welcome)', async () => {
    const wss = new WebSocketServer({ port: 0 })
    cleanups.push(() => new Promise((resolve) => wss.close(resolve)))
    const received: string[] = []
    wss.on('connection', (socket) => {
      socket.on('message', (data) => received.push(data.toString()))
      socket.send(JSON.stringify({ welcome: { connection_id: 'c_1', protocol: 1, heartbeat_ms: 0 } }))
    })
    const { port } = wss.address() as { port: number }
    const a = client(`ws://127.0.0.1:${port}`)
    const onA = heard()
    PresenceClient.of(a).join('order:1', { state: 'editing' }, onA.listener)
    a.subscribe('order', () => {})
    await vi.waitFor(() => expect(received.some((f) => f.includes('subscribe'))).toBe(true))
    expect(received.filter((f) => f.includes('presence'))).toEqual([])
    expect(onA.lists).toEqual([])
  })

  it('refuses a bad label or state before anything is sent', async () => {
    const s = await server()
    const a = client(s.url)
    expect(() => PresenceClient.of(a).join('order:1', { label: '' }, () => {})).toThrow(/1 to 64 characters/)
    expect(() => PresenceClient.of(a).join('order:1', { state: 'typing' as 'editing' }, () => {})).toThrow(
      /"viewing" or "editing"/,
    )
    expect(() => presenceChannel('order', 'a b')).toThrow(/may only use letters/)
  })
})

function Editor({ url, label, id }: { url: string; label: string; id: string }) {
  return (
    <BroadcastProvider url={url} options={{ WebSocket, reconnectDelay: 20, maxReconnectDelay: 100 }}>
      <EditorBody label={label} id={id} />
    </BroadcastProvider>
  )
}

function EditorBody({ label, id }: { label: string; id: string }) {
  const [editing, setEditing] = useState(false)
  const others = usePresence('order', id, { state: editing ? 'editing' : 'viewing', label })
  return (
    <div data-testid={label}>
      <button type="button" onClick={() => setEditing(true)}>
        edit as {label}
      </button>
      <span>{`${label} sees: ${others.map((m) => `${m.label} is ${m.state}`).join(', ') || 'nobody'}`}</span>
    </div>
  )
}

describe('usePresence (happy-dom, real server)', () => {
  it('two providers: each sees the other, state changes show, unmount leaves', async () => {
    const s = await server()
    const first = render(<Editor url={s.url} label="Tablet A" id="5" />)
    render(<Editor url={s.url} label="Tablet B" id="5" />)
    await screen.findByText('Tablet A sees: Tablet B is viewing')
    await screen.findByText('Tablet B sees: Tablet A is viewing')
    act(() => screen.getByText('edit as Tablet A').click())
    await screen.findByText('Tablet B sees: Tablet A is editing')
    first.unmount()
    await screen.findByText('Tablet B sees: nobody')
  })
})
