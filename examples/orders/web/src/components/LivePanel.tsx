import { type BroadcastEvent, useBroadcast } from '@pattern-stack/sync-patterns/runtime'
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { followAppChannels } from '../followAppChannels.js'
import { plural, shortId } from '../format.js'

/** Refetches that start this soon after a broadcast are credited to it. */
const ATTRIBUTION_MS = 1000
/** Broadcasts kept on screen. */
const KEEP = 20

interface Entry {
  seq: number
  at: number
  channel: string
  event: string
  entityId: string | undefined
  refetched: string[]
  /** The broadcast of a change this tablet made itself (its `origin` is this connection). */
  own: boolean
}

interface Log {
  /** The channels the panel listens on: every one the app subscribes to. */
  channels: readonly string[]
  entries: Entry[]
  broadcasts: number
  refetches: number
}

/**
 * A developer's view of the sync machinery: each broadcast this tablet received and the queries it
 * made TanStack Query refetch (seen through the QueryCache, so it shows what really happened).
 */
export function LivePanel() {
  const { client } = useBroadcast()
  const queryClient = useQueryClient()
  const log = useRef<Log>({ channels: [], entries: [], broadcasts: 0, refetches: 0 })
  const [view, setView] = useState<Log>(log.current)

  useEffect(() => {
    const onFrame = (frame: BroadcastEvent) => {
      const current = log.current
      const entityId = frame.payload?.entity_id
      const entry: Entry = {
        seq: current.broadcasts + 1,
        at: Date.now(),
        channel: frame.channel,
        event: frame.kind === 'resync' ? `resync (${frame.reason})` : frame.event,
        entityId: typeof entityId === 'string' ? entityId : undefined,
        refetched: [],
        own: frame.kind === 'event' && frame.origin !== undefined && frame.origin === client.connectionId,
      }
      log.current = {
        ...current,
        broadcasts: entry.seq,
        entries: [entry, ...current.entries].slice(0, KEEP),
      }
      setView({ ...log.current })
    }
    const onFollow = (channels: readonly string[]) => {
      log.current = { ...log.current, channels }
      setView({ ...log.current })
    }
    return followAppChannels(client, queryClient, onFrame, onFollow)
  }, [client, queryClient])

  useEffect(
    () =>
      queryClient.getQueryCache().subscribe((event) => {
        if (event.type !== 'updated' || event.action.type !== 'fetch') return
        const current = log.current
        const latest = current.entries[0]
        const key = JSON.stringify(event.query.queryKey)
        if (!latest || Date.now() - latest.at > ATTRIBUTION_MS || latest.refetched.includes(key)) return
        log.current = {
          ...current,
          refetches: current.refetches + 1,
          entries: [{ ...latest, refetched: [...latest.refetched, key] }, ...current.entries.slice(1)],
        }
        setView({ ...log.current })
      }),
    [queryClient],
  )

  return (
    <details className="live-panel" data-testid="live-panel">
      <summary>
        Live panel: <span data-testid="live-broadcasts">{plural(view.broadcasts, 'broadcast')}</span>,{' '}
        <span data-testid="live-refetches">{plural(view.refetches, 'refetch', 'refetches')}</span>
      </summary>
      <p className="muted" data-testid="live-channels">
        Listening on:{' '}
        {view.channels.length
          ? view.channels.map((channel) => <code key={channel}>{channel} </code>)
          : 'nothing yet'}
      </p>
      {view.entries.length === 0 ? (
        <p className="muted">No broadcasts yet. Change an order on another tablet.</p>
      ) : (
        <ol className="live-log" aria-label="Broadcasts received">
          {view.entries.map((entry) => (
            <li key={entry.seq}>
              <time dateTime={new Date(entry.at).toISOString()}>
                {new Date(entry.at).toLocaleTimeString()}
              </time>{' '}
              <code>
                {entry.channel}.{entry.event}
              </code>
              {entry.entityId ? <span className="muted"> #{shortId(entry.entityId)}</span> : null}
              {entry.own ? <span className="muted"> (own change: echo skipped)</span> : null}
              <div className="muted">
                refetched:{' '}
                {entry.refetched.length
                  ? entry.refetched.map((k) => <code key={k}>{k} </code>)
                  : 'nothing yet'}
              </div>
            </li>
          ))}
        </ol>
      )}
    </details>
  )
}
