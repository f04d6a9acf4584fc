import { eventFrameProblem } from '@pattern-stack/sync-protocol'
import type { BroadcastDispatch, QueuedBroadcast } from './broadcast-dispatch.js'
import { type AnyPgDatabase, appendSystemEvent, type SystemEventInput } from './system-event.js'

/** Says which broadcasts the current route may send; e.g. the route's x-sync declaration. */
export interface BroadcastAllowance {
  /** Throws when the route did not declare `event` on `channel`. */
  assertAllows(channel: string, event: string): void
}

export interface RunOptions {
  /** `X-Broadcast-Origin` of the request, copied into every broadcast. */
  origin?: string | undefined
  /** Recorded as the SystemEvents' actor. */
  actor?: string | undefined
  /** When given, a broadcast it does not allow throws (and so rolls the transaction back). */
  allow?: BroadcastAllowance | undefined
}

/** The transaction handle Drizzle passes to `db.transaction(cb)`. */
export type TransactionOf<TDb extends AnyPgDatabase> = Parameters<Parameters<TDb['transaction']>[0]>[0]

/** What the work callback gets: the transaction plus ways to record and announce the change. */
export interface UnitOfWorkContext<TTx> {
  readonly tx: TTx
  readonly origin: string | undefined
  readonly actor: string | undefined
  /** Writes a SystemEvent inside this transaction. */
  record(event: Omit<SystemEventInput, 'actor'>): Promise<void>
  /** Queues a broadcast; it goes out only if and after the transaction commits. */
  broadcast(channel: string, event: string, payload: QueuedBroadcast['payload']): void
  /**
   * The usual pair: a SystemEvent `{entityType, entityId, eventType}` and a broadcast of `eventType`
   * on `channel` with `payload.entity_id = entityId`. An integer id (a serial key) is broadcast as
   * the number it is, as a FastAPI service sends it, and recorded in the SystemEvent as its text.
   * `version`, the entity's version after the change (its optimistic-locking version), goes out as
   * `payload.entity_version`: a client whose cached copy is already at it skips the refetch. Leave
   * it out for a delete, and whenever the entity's responses changed without the version changing.
   */
  emit(input: {
    channel: string
    entityType: string
    entityId: string | number
    eventType: string
    payload?: Record<string, unknown>
    version?: number
  }): Promise<void>
}

/**
 * Runs a service's writes and their SystemEvents in one transaction, then hands the queued
 * broadcasts to the dispatch: after commit, never for a rollback.
 */
export class UnitOfWork<TDb extends AnyPgDatabase> {
  readonly db: TDb
  readonly dispatch: BroadcastDispatch

  constructor(options: { db: TDb; dispatch: BroadcastDispatch }) {
    this.db = options.db
    this.dispatch = options.dispatch
  }

  async run<T>(
    options: RunOptions,
    work: (ctx: UnitOfWorkContext<TransactionOf<TDb>>) => Promise<T>,
  ): Promise<T> {
    const queued: QueuedBroadcast[] = []
    let outgoing: readonly QueuedBroadcast[] = queued
    const { origin, actor, allow } = options
    const result = await this.db.transaction(async (tx) => {
      const ctx: UnitOfWorkContext<TransactionOf<TDb>> = {
        tx: tx as TransactionOf<TDb>,
        origin,
        actor,
        record: async (event) => {
          await appendSystemEvent(tx, { ...event, actor: actor ?? null })
        },
        broadcast: (channel, event, payload) => {
          queued.push(checkedBroadcast(channel, event, payload, origin, allow))
        },
        emit: async ({ channel, entityType, entityId, eventType, payload = {}, version }) => {
          const message = checkedBroadcast(
            channel,
            eventType,
            version === undefined
              ? { ...payload, entity_id: entityId }
              : { ...payload, entity_id: entityId, entity_version: version },
            origin,
            allow,
          )
          await appendSystemEvent(tx, {
            entityType,
            entityId: String(entityId),
            eventType,
            payload,
            actor: actor ?? null,
          })
          queued.push(message)
        },
      }
      const value = await work(ctx)
      // Last in the transaction: an outbox records the broadcasts (and locks their channels' order).
      if (queued.length > 0 && this.dispatch.beforeCommit) {
        outgoing = await this.dispatch.beforeCommit(tx as AnyPgDatabase, queued)
      }
      return value
    })
    if (outgoing.length > 0 && this.dispatch.afterCommit) await this.dispatch.afterCommit(outgoing)
    return result
  }
}

/**
 * Refuses, inside the transaction (so the refusal rolls it back), every broadcast the encoder would
 * refuse after commit: the same `eventFrameProblem`, plus the unit of work's own rule that
 * `entity_id` names the changed entity and the route's allowance.
 */
function checkedBroadcast(
  channel: string,
  event: string,
  payload: QueuedBroadcast['payload'],
  origin: string | undefined,
  allow: BroadcastAllowance | undefined,
): QueuedBroadcast {
  const problem = eventFrameProblem(channel, event, payload, origin)
  if (problem) throw new TypeError(`cannot broadcast ${describe(channel)}/${describe(event)}: ${problem}`)
  if (payload.entity_id === undefined || payload.entity_id === '') {
    throw new TypeError(
      `cannot broadcast ${channel}/${event}: payload.entity_id must be a non-empty string or an integer`,
    )
  }
  allow?.assertAllows(channel, event)
  return origin === undefined ? { channel, event, payload } : { channel, event, payload, origin }
}

/** A name for a message, shortened so an over-long one does not flood it. */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value)
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}
