import {
  type BroadcastClient,
  type BroadcastInspectEvent,
  type ConnectionState,
  entityVersionOf,
  type RefetchInspectEvent,
  type SyncClient,
  type SyncInspectEvent,
} from '@pattern-stack/sync-patterns/runtime/core'
import type { QueryKey } from '@tanstack/react-query'

/** What one subscription did with a message: see `BroadcastInspectEvent['outcome']`. */
export type SubscriptionOutcome = BroadcastInspectEvent['outcome']

/** One cached query a signal invalidated, and what became of it. */
export interface InvalidatedQuery {
  queryKey: QueryKey
  queryHash: string
  /** `coalesced`: it joined the refetch already waiting for the signals in `into`. */
  outcome: 'scheduled' | 'coalesced'
  into: number[]
  /** The latest of its refetch (`undefined` until the window closes). */
  status: RefetchInspectEvent['status'] | undefined
  /** ms from the refetch's start to its end (`succeeded`, `failed`). */
  durationMs: number | undefined
}

/** A broadcast, a resync or a re-enabled subscription, with what it invalidated or why it was skipped. */
export interface SignalEntry {
  signal: number
  at: number
  kind: 'event' | 'resync' | 'enabled'
  channel: string
  /** The event name (`item_added`), `resync`, or `enabled`. */
  event: string
  /** `resync`: why (`reconnect`, `server`, `unreadable`). */
  reason: 'reconnect' | 'server' | 'unreadable' | undefined
  entityId: string | undefined
  /** The entity's version after the change, when the broadcast carries it (`entity_version`). */
  entityVersion: number | undefined
  origin: string | undefined
  /** Each subscription it reached (its key prefix) and what that one did. */
  subscriptions: { queryKeyPrefix: QueryKey; outcome: SubscriptionOutcome }[]
  queries: InvalidatedQuery[]
}

/** An optimistic change seen while the log was open (or pending when it opened). */
export interface OptimisticEntry {
  change: number
  label: string | undefined
  status: 'added' | 'confirmed' | 'settled' | 'failed'
  queryKeys: QueryKey[]
  at: number
}

/** The connection as the log saw it change. */
export interface ConnectionEntry {
  state: ConnectionState
  at: number
}

export interface InspectLogSnapshot {
  /** `null` without a broadcast client. */
  connection: {
    state: ConnectionState
    connectionId: string | null
    url: string
    /** Channels subscribed on the client now. */
    channels: string[]
    /** The latest state changes, newest first. */
    history: ConnectionEntry[]
  } | null
  /** Newest first, at most `keep`. */
  signals: SignalEntry[]
  /** Pending changes, oldest first. */
  pending: OptimisticEntry[]
  /** Changes that settled or failed, newest first, at most `keep`. */
  finished: OptimisticEntry[]
  counts: {
    /** Broadcast messages received (events and resyncs). */
    broadcasts: number
    resyncs: number
    /** Messages every subscription skipped (echo or disabled). */
    skipped: number
    /** Refetches started. */
    refetches: number
  }
}

export interface InspectLogOptions {
  syncClient: SyncClient
  /** The connection to show; without one the log shows only the cache side. */
  broadcastClient?: BroadcastClient | null
  /** Entries kept per list (default 50). */
  keep?: number
}

export interface InspectLog {
  getSnapshot(): InspectLogSnapshot
  /** Calls `listener` after every change of the snapshot; returns the remover. */
  subscribe(listener: () => void): () => void
  /** Stops listening to the clients. */
  dispose(): void
}

/**
 * Folds `syncClient.inspect` (and the broadcast client's state) into a log a panel can render:
 * each signal with the queries it invalidated and their refetches, the pending optimistic changes,
 * the connection. Immutable snapshots, a new one per change (for `useSyncExternalStore`).
 */
export function createInspectLog(options: InspectLogOptions): InspectLog {
  const { syncClient, broadcastClient = null } = options
  const keep = options.keep ?? 50
  if (!Number.isInteger(keep) || keep < 1) throw new TypeError(`keep must be a positive integer, got ${keep}`)
  const listeners = new Set<() => void>()
  const now = Date.now()

  let snapshot: InspectLogSnapshot = {
    connection: broadcastClient
      ? {
          state: broadcastClient.state,
          connectionId: broadcastClient.connectionId,
          url: broadcastClient.url,
          channels: broadcastClient.channels,
          history: [{ state: broadcastClient.state, at: now }],
        }
      : null,
    signals: [],
    pending: syncClient.optimistic.pendingChanges().map((change) => ({
      change: change.change,
      label: change.label,
      status: change.confirmed ? 'confirmed' : 'added',
      queryKeys: [],
      at: now,
    })),
    finished: [],
    counts: { broadcasts: 0, resyncs: 0, skipped: 0, refetches: 0 },
  }

  const publish = (next: InspectLogSnapshot) => {
    snapshot = next
    for (const listener of [...listeners]) listener()
  }

  /** The connection part, read again from the client (its id and channels change without an event). */
  const readConnection = (history?: ConnectionEntry[]): InspectLogSnapshot['connection'] =>
    broadcastClient && snapshot.connection
      ? {
          state: broadcastClient.state,
          connectionId: broadcastClient.connectionId,
          url: broadcastClient.url,
          channels: broadcastClient.channels,
          history: history ?? snapshot.connection.history,
        }
      : null

  const updateSignal = (signal: number, change: (entry: SignalEntry) => SignalEntry) =>
    snapshot.signals.map((entry) => (entry.signal === signal ? change(entry) : entry))

  const onEvent = (event: SyncInspectEvent) => {
    switch (event.type) {
      case 'broadcast': {
        const existing = snapshot.signals.find((entry) => entry.signal === event.signal)
        const subscription = { queryKeyPrefix: event.queryKeyPrefix, outcome: event.outcome }
        const counts = { ...snapshot.counts }
        let signals: SignalEntry[]
        if (existing) {
          const wasSkipped = isSkipped(existing)
          const updated = { ...existing, subscriptions: [...existing.subscriptions, subscription] }
          if (wasSkipped && !isSkipped(updated)) counts.skipped -= 1
          signals = updateSignal(event.signal, () => updated)
        } else {
          const { message } = event
          const entityId = message.payload.entity_id
          const entry: SignalEntry = {
            signal: event.signal,
            at: event.at,
            kind: message.kind,
            channel: message.channel,
            event: message.event,
            reason: message.kind === 'resync' ? message.reason : undefined,
            entityId: entityId === undefined ? undefined : String(entityId),
            entityVersion: entityVersionOf(message.payload),
            origin: message.kind === 'event' ? message.origin : undefined,
            subscriptions: [subscription],
            queries: [],
          }
          counts.broadcasts += 1
          if (message.kind === 'resync') counts.resyncs += 1
          if (isSkipped(entry)) counts.skipped += 1
          signals = [entry, ...snapshot.signals].slice(0, keep)
        }
        publish({ ...snapshot, connection: readConnection(), signals, counts })
        return
      }
      case 'enabled': {
        const entry: SignalEntry = {
          signal: event.signal,
          at: event.at,
          kind: 'enabled',
          channel: event.channel,
          event: 'enabled',
          reason: undefined,
          entityId: undefined,
          entityVersion: undefined,
          origin: undefined,
          subscriptions: [{ queryKeyPrefix: event.queryKeyPrefix, outcome: 'invalidate' }],
          queries: [],
        }
        publish({ ...snapshot, signals: [entry, ...snapshot.signals].slice(0, keep) })
        return
      }
      case 'invalidate': {
        const { cause } = event
        if (cause === undefined) return
        const query: InvalidatedQuery = {
          queryKey: event.queryKey,
          queryHash: event.queryHash,
          outcome: event.outcome,
          into: event.into ?? [],
          status: undefined,
          durationMs: undefined,
        }
        publish({
          ...snapshot,
          signals: updateSignal(cause, (entry) => ({ ...entry, queries: [...entry.queries, query] })),
        })
        return
      }
      case 'refetch': {
        const causes = new Set(event.causes)
        if (causes.size === 0) return
        const signals = snapshot.signals.map((entry) =>
          causes.has(entry.signal)
            ? {
                ...entry,
                queries: entry.queries.map((query) =>
                  query.queryHash === event.queryHash
                    ? { ...query, status: event.status, durationMs: event.durationMs }
                    : query,
                ),
              }
            : entry,
        )
        const counts =
          event.status === 'started'
            ? { ...snapshot.counts, refetches: snapshot.counts.refetches + 1 }
            : snapshot.counts
        publish({ ...snapshot, signals, counts })
        return
      }
      case 'optimistic': {
        const known = snapshot.pending.find((entry) => entry.change === event.change)
        const entry: OptimisticEntry = {
          change: event.change,
          label: event.label ?? known?.label,
          status: event.status,
          queryKeys: event.queryKeys ?? known?.queryKeys ?? [],
          at: event.at,
        }
        const others = snapshot.pending.filter((pending) => pending.change !== event.change)
        if (event.status === 'settled' || event.status === 'failed') {
          publish({ ...snapshot, pending: others, finished: [entry, ...snapshot.finished].slice(0, keep) })
        } else {
          publish({
            ...snapshot,
            pending: known ? snapshot.pending.map((p) => (p === known ? entry : p)) : [...others, entry],
          })
        }
        return
      }
    }
  }

  const stopInspecting = syncClient.inspect(onEvent)
  const stopState = broadcastClient?.onStateChange((state) => {
    const history = [{ state, at: Date.now() }, ...(snapshot.connection?.history ?? [])].slice(0, keep)
    publish({ ...snapshot, connection: readConnection(history) })
  })
  // Channels come and go as screens subscribe, without an event: look again when queries gain or
  // lose observers (the hooks subscribe in the same commit), once that commit's effects have run.
  const stopCache = syncClient.queryClient.getQueryCache().subscribe((event) => {
    if (event.type !== 'observerAdded' && event.type !== 'observerRemoved') return
    queueMicrotask(() => {
      const connection = readConnection()
      if (connection && !sameList(connection.channels, snapshot.connection?.channels ?? [])) {
        publish({ ...snapshot, connection })
      }
    })
  })

  return {
    getSnapshot: () => snapshot,
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    dispose() {
      stopInspecting()
      stopState?.()
      stopCache()
      listeners.clear()
    },
  }
}

/** Every subscription the message reached skipped it (echo, disabled). */
export function isSkipped(entry: SignalEntry): boolean {
  return entry.subscriptions.every((subscription) => subscription.outcome !== 'invalidate')
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index])
}
