import {
  appendToBroadcastLog,
  BroadcastOutboxRelay,
  broadcastLog,
  drizzleBroadcastHistory,
  outboxDispatch,
  pruneBroadcastLog,
  UnitOfWork,
} from '@pattern-stack/backend-patterns/events'
import { eq, isNull, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, TestClient, type TestServer } from '../broadcast/helpers.js'
import { type DatabaseKind, databaseKinds, openTestDb, widgets } from './databases.js'

const kinds = await databaseKinds()
let n = 0
const nextId = () => `ob${++n}`

describe.each(kinds)('broadcast log and outbox on %s', (kind: DatabaseKind) => {
  let database: Awaited<ReturnType<typeof openTestDb>>
  let server: TestServer
  let client: TestClient

  beforeAll(async () => {
    database = await openTestDb(kind)
    server = await startServer({ history: drizzleBroadcastHistory({ db: database.db, maxChangedIds: 5 }) })
    client = await TestClient.connect(server.url)
  })
  afterAll(async () => {
    await client?.close()
    await server?.close()
    await database?.close()
  })

  const write = (uow: UnitOfWork<typeof database.db>, channel: string, id: string, origin?: string) =>
    uow.run({ origin }, async (ctx) => {
      await ctx.tx.insert(widgets).values({ id, state: 'new' }).onConflictDoNothing()
      await ctx.emit({ channel, entityType: 'widget', entityId: id, eventType: 'created' })
    })

  it('gives each channel positions 1, 2, 3, … without gaps, in the order the transactions commit', async () => {
    const uow = new UnitOfWork({
      db: database.db,
      dispatch: outboxDispatch(server.backend, { db: database.db }),
    })
    // A reader watching the log while 40 writers commit: every snapshot it takes must be 1..k, i.e. a
    // position is never visible before a lower one (ids from a sequence would be).
    let writing = true
    const snapshots: number[][] = []
    const reader = (async () => {
      while (writing) {
        const result = (await database.db.execute(
          sql`SELECT coalesce(array_agg(position::float8 ORDER BY position), '{}') AS p FROM broadcast_log WHERE channel = 'ordered'`,
        )) as unknown as { rows: { p: number[] }[] }
        snapshots.push((result.rows[0]?.p ?? []).map(Number))
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    })()
    const failing = uow
      .run({}, async (ctx) => {
        await ctx.emit({
          channel: 'ordered',
          entityType: 'widget',
          entityId: 'rolled-back',
          eventType: 'created',
        })
        throw new Error('rolled back on purpose')
      })
      .catch((error: Error) => error.message)
    await Promise.all(Array.from({ length: 40 }, (_, i) => write(uow, 'ordered', nextId(), `o${i}`)))
    expect(await failing).toBe('rolled back on purpose')
    writing = false
    await reader
    const logged = await database.db
      .select({ position: broadcastLog.position, id: sql<string>`payload->>'entity_id'` })
      .from(broadcastLog)
      .where(eq(broadcastLog.channel, 'ordered'))
      .orderBy(broadcastLog.position)
    expect(logged.map((row) => Number(row.position))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(logged.map((row) => row.id)).not.toContain('rolled-back')
    expect(snapshots.length).toBeGreaterThan(0)
    for (const seen of snapshots) expect(seen).toEqual(seen.map((_, i) => i + 1))
  })

  it('broadcasts carry their position, and the ack of a subscribe the channel’s latest', async () => {
    const uow = new UnitOfWork({
      db: database.db,
      dispatch: outboxDispatch(server.backend, { db: database.db }),
    })
    const welcome = client.frames.find((f) => 'welcome' in f)
    expect(welcome?.welcome.history).toBe(true)
    const ack = await client.subscribe('positioned')
    expect(ack).toEqual({ subscribed: ['positioned'], positions: { positioned: 0 } })
    const id = nextId()
    await write(uow, 'positioned', id, 'c1')
    const event = await client.next((f) => f.channel === 'positioned')
    expect(event).toEqual({
      channel: 'positioned',
      event: 'created',
      payload: { entity_id: id },
      origin: 'c1',
      position: 1,
    })
    // The publisher marks what it sent, so no relay sends it again.
    await expect
      .poll(
        async () =>
          (
            await database.db
              .select()
              .from(broadcastLog)
              .where(sql`${broadcastLog.channel} = 'positioned' AND ${broadcastLog.publishedAt} IS NULL`)
          ).length,
      )
      .toBe(0)
  })

  it('acks name each channel’s history epoch once it has a counter; a counter created again has a new one', async () => {
    const uow = new UnitOfWork({
      db: database.db,
      dispatch: outboxDispatch(server.backend, { db: database.db }),
    })
    const other = await TestClient.connect(server.url)
    try {
      expect(await other.subscribe('epoch_a')).toEqual({ subscribed: ['epoch_a'], positions: { epoch_a: 0 } })
      await write(uow, 'epoch_a', nextId())
      await other.unsubscribe('epoch_a')
      const first = await other.subscribe('epoch_a')
      const epoch = first.epochs?.epoch_a
      expect(first).toEqual({
        subscribed: ['epoch_a'],
        positions: { epoch_a: 1 },
        epochs: { epoch_a: epoch },
      })
      expect(epoch).toMatch(/^[0-9a-f-]{36}$/)
      // The log starts over for the channel (what recreating the tables does to every channel).
      await database.db.execute(sql`DELETE FROM broadcast_log WHERE channel = 'epoch_a'`)
      await database.db.execute(sql`DELETE FROM broadcast_channels WHERE channel = 'epoch_a'`)
      await write(uow, 'epoch_a', nextId())
      await other.unsubscribe('epoch_a')
      const again = await other.subscribe('epoch_a')
      expect(again.positions).toEqual({ epoch_a: 1 })
      expect(again.epochs?.epoch_a).toMatch(/^[0-9a-f-]{36}$/)
      expect(again.epochs?.epoch_a).not.toBe(epoch)
    } finally {
      await other.close()
    }
  })

  it('a relay publishes what was committed but never sent (the committer died), once', async () => {
    // The committer's dispatch records the outbox row but "dies" before publishing.
    const dying = new UnitOfWork({
      db: database.db,
      dispatch: { beforeCommit: (tx, messages) => appendToBroadcastLog(tx, messages) },
    })
    await client.subscribe('orphans')
    const id = nextId()
    await write(dying, 'orphans', id, 'gone')
    await client.roundTrip()
    expect(client.events.filter((e) => e.channel === 'orphans')).toEqual([])
    const relay = new BroadcastOutboxRelay({
      db: database.db,
      target: server.backend,
      graceMs: 0,
      logger: {},
    })
    expect(await relay.publishOrphans()).toBe(1)
    const event = await client.next((f) => f.channel === 'orphans')
    expect(event).toEqual({
      channel: 'orphans',
      event: 'created',
      payload: { entity_id: id },
      origin: 'gone',
      position: 1,
    })
    expect(await relay.publishOrphans()).toBe(0)
    const unpublished = await database.db
      .select()
      .from(broadcastLog)
      .where(sql`${broadcastLog.channel} = 'orphans' AND ${isNull(broadcastLog.publishedAt)}`)
    expect(unpublished).toEqual([])
  })

  it('leaves a row younger than the grace period to its publisher', async () => {
    const dying = new UnitOfWork({
      db: database.db,
      dispatch: { beforeCommit: (tx, messages) => appendToBroadcastLog(tx, messages) },
    })
    await write(dying, 'young', nextId())
    const relay = new BroadcastOutboxRelay({ db: database.db, target: server.backend, graceMs: 60_000 })
    expect(await relay.publishOrphans()).toBe(0)
  })

  it('answers recover with the entities changed since a position, or null when it cannot tell', async () => {
    const uow = new UnitOfWork({
      db: database.db,
      dispatch: outboxDispatch(server.backend, { db: database.db }),
    })
    const ack = await client.subscribe('history')
    const start = ack.positions.history as number
    const ids = [nextId(), nextId(), nextId()]
    for (const id of ids) await write(uow, 'history', id)
    await write(uow, 'history', ids[0] as string) // changed twice: named once
    client.send({ recover: { history: start } })
    const answer = await client.next((f) => 'recovered' in f)
    expect(answer.recovered.history.position).toBe(start + 4)
    expect([...answer.recovered.history.changed].sort()).toEqual([...ids].sort())

    client.send({ recover: { history: start + 4 } })
    expect(await client.next((f) => 'recovered' in f)).toEqual({
      recovered: { history: { position: start + 4, changed: [] } },
    })
    // A position the server never gave out (a reset database, another deployment): cannot tell.
    client.send({ recover: { history: start + 100 } })
    expect(await client.next((f) => 'recovered' in f)).toEqual({
      recovered: { history: { position: start + 4, changed: null } },
    })
    // More changed entities than the history answers with (maxChangedIds 5): cannot tell.
    for (let i = 0; i < 6; i++) await write(uow, 'history', nextId())
    client.send({ recover: { history: start } })
    expect((await client.next((f) => 'recovered' in f)).recovered.history.changed).toBeNull()
  })

  it('cannot tell for positions retention deleted', async () => {
    const uow = new UnitOfWork({
      db: database.db,
      dispatch: outboxDispatch(server.backend, { db: database.db }),
    })
    await client.subscribe('pruned')
    await write(uow, 'pruned', nextId())
    await write(uow, 'pruned', nextId())
    // Retention deletes published rows only: wait for the publisher's marks.
    await expect
      .poll(
        async () =>
          (
            await database.db
              .select()
              .from(broadcastLog)
              .where(sql`${broadcastLog.channel} = 'pruned' AND ${isNull(broadcastLog.publishedAt)}`)
          ).length,
      )
      .toBe(0)
    expect(await pruneBroadcastLog(database.db, 0)).toBeGreaterThanOrEqual(2)
    client.send({ recover: { pruned: 1 } })
    expect(await client.next((f) => 'recovered' in f)).toEqual({
      recovered: { pruned: { position: 2, changed: null } },
    })
    client.send({ recover: { pruned: 2 } })
    expect(await client.next((f) => 'recovered' in f)).toEqual({
      recovered: { pruned: { position: 2, changed: [] } },
    })
  })

  it('refuses a bad recover with a clear error and looks nothing up', async () => {
    const answersBefore = client.frames.filter((f) => 'recovered' in f).length
    for (const [frame, code, text] of [
      ['{"recover": {"history": -1}}', 'invalid_frame', 'non-negative'],
      ['{"recover": {"history": "41"}}', 'invalid_frame', 'position'],
      ['{"recover": {"history": 1.5}}', 'invalid_frame', 'position'],
      ['{"recover": {}}', 'invalid_frame', 'at least one'],
      ['{"recover": ["history"]}', 'invalid_frame', 'object'],
      ['{"recover": {"bad channel": 1}}', 'invalid_channel', 'channel'],
      ['{"recover": {"history": 1, "never-subscribed": 1}}', 'not_subscribed', 'never-subscribed'],
    ] as const) {
      client.sendRaw(frame)
      const error = await client.next((f) => 'error' in f || 'recovered' in f)
      expect(error.error?.code, frame).toBe(code)
      expect(error.error.message).toContain(text)
    }
    await client.roundTrip()
    expect(client.frames.filter((f) => 'recovered' in f)).toHaveLength(answersBefore)
  })
})

describe('a backend without history', () => {
  it('announces none, acks without positions, and answers recover with "cannot tell"', async () => {
    const server = await startServer()
    const client = await TestClient.connect(server.url)
    try {
      expect(client.frames[0]?.welcome.history).toBeUndefined()
      expect(await client.subscribe('order')).toEqual({ subscribed: ['order'] })
      client.send({ recover: { order: 3 } })
      expect(await client.next((f) => 'recovered' in f)).toEqual({
        recovered: { order: { position: 3, changed: null } },
      })
    } finally {
      await client.close()
      await server.close()
    }
  })
})

describe('the relay’s options', () => {
  it('refuses bad timings, naming them', () => {
    const target = { broadcast: async () => {} }
    const db = {} as never
    expect(() => new BroadcastOutboxRelay({ db, target, graceMs: -1 })).toThrow(/graceMs/)
    expect(() => new BroadcastOutboxRelay({ db, target, intervalMs: 0 })).toThrow(/intervalMs/)
    expect(() => new BroadcastOutboxRelay({ db, target, intervalMs: Number.NaN })).toThrow(/intervalMs/)
  })
})
