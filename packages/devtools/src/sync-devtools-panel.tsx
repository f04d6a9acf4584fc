import {
  type BroadcastClient,
  BroadcastContext,
  getBroadcastClient,
  getSyncClient,
} from '@pattern-stack/sync-patterns/runtime'
import { type QueryClient, useQueryClient } from '@tanstack/react-query'
import { type ReactNode, useContext, useEffect, useState } from 'react'
import {
  clockTime,
  describeChange,
  describeQuery,
  formatKey,
  plural,
  RESYNC_REASONS,
  SKIP_REASONS,
} from './describe.js'
import { createInspectLog, type InspectLogSnapshot, type SignalEntry } from './inspect-log.js'
import { PANEL_CSS } from './panel-styles.js'

export interface SyncDevtoolsPanelProps {
  /** Default: the `QueryClientProvider`'s. */
  queryClient?: QueryClient
  /** Default: the `BroadcastProvider`'s client, else `initBroadcast`'s; `null` shows no connection. */
  client?: BroadcastClient | null
  /** Entries kept per list (default 50). */
  keep?: number
  /** A collapsible `<details>` (default), or an always-open section (inside a devtools shell). */
  collapsible?: boolean
  /** Open at first (`collapsible` only). */
  defaultOpen?: boolean
  /** Leaves out the default stylesheet (style `.spd` yourself). */
  unstyled?: boolean
  className?: string
}

/**
 * A developer's view of sync-patterns on this page: the connection, every broadcast received and
 * what it invalidated (each query, and its refetch with the duration) or why it was skipped (echo,
 * disabled; coalesced into another broadcast's refetch, held by a pending mutation), resyncs and
 * their causes, and the pending optimistic changes. Built on `SyncClient.inspect`, which records
 * nothing while no panel is mounted.
 */
export function SyncDevtoolsPanel(props: SyncDevtoolsPanelProps): ReactNode {
  const queryClient = useQueryClient(props.queryClient)
  const fromProvider = useContext(BroadcastContext)?.client
  const client = props.client === undefined ? (fromProvider ?? getBroadcastClient()) : props.client
  const snapshot = useInspectLog(queryClient, client, props.keep)
  const { collapsible = true } = props
  const className = ['spd', props.className].filter(Boolean).join(' ')
  const body = snapshot ? <PanelBody snapshot={snapshot} /> : null
  const style = props.unstyled ? null : <style>{PANEL_CSS}</style>
  if (!collapsible) {
    return (
      <section className={className} data-testid="sync-devtools" aria-label="sync-patterns devtools">
        {style}
        {snapshot ? <Summary snapshot={snapshot} /> : null}
        {body}
      </section>
    )
  }
  return (
    <details className={className} data-testid="sync-devtools" open={props.defaultOpen}>
      {style}
      <summary>{snapshot ? <Summary snapshot={snapshot} /> : 'sync-patterns'}</summary>
      {body}
    </details>
  )
}

/** The log of `queryClient`'s SyncClient, open while mounted. */
function useInspectLog(
  queryClient: QueryClient,
  client: BroadcastClient | null,
  keep: number | undefined,
): InspectLogSnapshot | null {
  const [snapshot, setSnapshot] = useState<InspectLogSnapshot | null>(null)
  useEffect(() => {
    const log = createInspectLog({ syncClient: getSyncClient(queryClient), broadcastClient: client, keep })
    setSnapshot(log.getSnapshot())
    const stop = log.subscribe(() => setSnapshot(log.getSnapshot()))
    return () => {
      stop()
      log.dispose()
    }
  }, [queryClient, client, keep])
  return snapshot
}

function Summary({ snapshot }: { snapshot: InspectLogSnapshot }) {
  const { counts, connection, pending } = snapshot
  return (
    <>
      sync-patterns{' '}
      {connection ? (
        <span className={`spd-state-${connection.state}`} data-testid="sync-devtools-state">
          {connection.state}
        </span>
      ) : null}
      {' · '}
      <span data-testid="sync-devtools-counts">
        {plural(counts.broadcasts, 'broadcast')}, {plural(counts.skipped, 'skipped', 'skipped')},{' '}
        {plural(counts.refetches, 'refetch', 'refetches')}, {plural(counts.resyncs, 'resync')},{' '}
        {plural(pending.length, 'pending change')}
      </span>
    </>
  )
}

function PanelBody({ snapshot }: { snapshot: InspectLogSnapshot }) {
  const { connection, signals, pending, finished } = snapshot
  return (
    <>
      <section aria-label="Optimistic changes">
        {pending.length === 0 ? (
          <p className="spd-muted">No pending optimistic changes.</p>
        ) : (
          <>
            <h3>Pending optimistic changes</h3>
            <ul aria-label="Pending optimistic changes">
              {pending.map((entry) => (
                <li key={entry.change}>
                  #{entry.change} <code>{entry.label ?? 'change'}</code>: {describeChange(entry)}
                  {entry.queryKeys.length ? (
                    <span className="spd-muted"> on {entry.queryKeys.map(formatKey).join(' ')}</span>
                  ) : null}
                </li>
              ))}
            </ul>
          </>
        )}
        {finished.length ? (
          <div className="spd-muted" data-testid="sync-devtools-finished">
            last:{' '}
            {finished.slice(0, 3).map((entry) => (
              <span key={entry.change} className={entry.status === 'failed' ? 'spd-fail' : undefined}>
                #{entry.change} {entry.label ?? 'change'} {entry.status}{' '}
              </span>
            ))}
          </div>
        ) : null}
      </section>
      <section aria-label="Broadcasts">
        <h3>Broadcasts</h3>
        {signals.length === 0 ? (
          <p className="spd-muted">No broadcasts yet.</p>
        ) : (
          <ol aria-label="Broadcasts received" reversed>
            {signals.map((entry) => (
              <SignalItem key={entry.signal} entry={entry} />
            ))}
          </ol>
        )}
      </section>
      {connection ? (
        <section aria-label="Connection">
          <h3>Connection</h3>
          <div data-testid="sync-devtools-connection">
            <span className={`spd-state-${connection.state}`}>{connection.state}</span>
            {connection.connectionId ? (
              <span className="spd-muted"> as {connection.connectionId}</span>
            ) : null}
            <span className="spd-muted"> to {connection.url}</span>
          </div>
          <div data-testid="sync-devtools-channels">
            channels:{' '}
            {connection.channels.length
              ? connection.channels.map((c) => <code key={c}>{c} </code>)
              : 'none yet'}
          </div>
          {connection.history.length > 1 ? (
            <div className="spd-muted">
              {connection.history
                .slice(0, 5)
                .map((entry) => `${clockTime(entry.at)} ${entry.state}`)
                .join(' ← ')}
            </div>
          ) : null}
        </section>
      ) : null}
    </>
  )
}

function SignalItem({ entry }: { entry: SignalEntry }) {
  const skipped = entry.subscriptions.filter((s) => s.outcome !== 'invalidate')
  const invalidating = entry.subscriptions.filter((s) => s.outcome === 'invalidate')
  return (
    <li data-signal={entry.signal} data-testid="sync-devtools-signal">
      <time dateTime={new Date(entry.at).toISOString()}>{clockTime(entry.at)}</time> #{entry.signal}{' '}
      {entry.kind === 'enabled' ? (
        <span>
          <code>{entry.channel}</code> subscription enabled again: invalidates what arrived while disabled
        </span>
      ) : (
        <code>
          {entry.channel}.{entry.event}
        </code>
      )}
      {entry.entityId !== undefined ? <span> entity {entry.entityId}</span> : null}
      {entry.entityVersion !== undefined ? <span> at version {entry.entityVersion}</span> : null}
      {entry.reason ? <span className="spd-skip"> ({RESYNC_REASONS[entry.reason]})</span> : null}
      {skipped.map((s) => (
        <div key={`${formatKey(s.queryKeyPrefix)}-${s.outcome}`} className="spd-skip">
          skipped{entry.subscriptions.length > 1 ? ` by ${formatKey(s.queryKeyPrefix)}` : ''} (
          {SKIP_REASONS[s.outcome as 'echo' | 'disabled']})
        </div>
      ))}
      {invalidating.length > 0 && entry.queries.length === 0 ? (
        <div className="spd-muted">
          invalidated nothing: no cached query under{' '}
          {invalidating.map((s) => formatKey(s.queryKeyPrefix)).join(', ')}
        </div>
      ) : null}
      {entry.queries.length > 0 ? (
        <ul aria-label="Invalidated queries">
          {entry.queries.map((query) => (
            <li key={query.queryHash}>
              <code>{formatKey(query.queryKey)}</code>{' '}
              <span
                className={
                  query.status === 'failed' ? 'spd-fail' : query.status === 'succeeded' ? 'spd-ok' : undefined
                }
              >
                {describeQuery(query)}
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  )
}
