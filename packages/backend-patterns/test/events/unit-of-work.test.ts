import {
  afterCommitDispatch,
  countSystemEvents,
  systemEvents,
  UnitOfWork,
} from '@pattern-stack/backend-patterns/events'
import { declareSync, UndeclaredBroadcastError } from '@pattern-stack/backend-patterns/openapi'
import { eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type DatabaseKind, databaseKinds, openTestDb, widgets } from './databases.js'
import { broadcastRig } from './ws-watcher.js'

const kinds = await databaseKinds()
const widgetSync = declareSync({ channel: 'widget', events: ['created', 'updated'] })

describe.each(kinds)('UnitOfWork on %s', (kind: DatabaseKind) => {
  let database: Awaited<ReturnType<typeof openTestDb>>
  let rig: Awaited<ReturnType<typeof broadcastRig>>
  let n = 0
  const nextId = () => `w${++n}`

  beforeAll(async () => {
    database = await openTestDb(kind)
    rig = await broadcastRig(['widget', 'other'])
  })
  afterAll(async () => {
    await rig?.close()
    await database?.close()
  })
  afterEach(async () => {
    await rig.settle()
    rig.events.length = 0
  })

  it('commits the write and its SystemEvent together, then broadcasts with the origin', async () => {
    const uow = new UnitOfWork({ db: database.db, dispatch: afterCommitDispatch(rig.backend) })
    const id = nextId()
    const result = await uow.run({ origin: 'conn-1', actor: 'alice', allow: widgetSync }, async (ctx) => {
      await ctx.tx.insert(widgets).values({ id, state: 'new' })
      await ctx.emit({
        channel: 'widget',
        entityType: 'widget',
        entityId: id,
        eventType: 'created',
        payload: { size: 3 },
      })
      return 'done'
    })
    expect(result).toBe('done')
    const [event] = await database.db.select().from(systemEvents).where(eq(systemEvents.entityId, id))
    expect(event).toMatchObject({
      entityType: 'widget',
      entityId: id,
      eventType: 'created',
      actor: 'alice',
      payload: { size: 3 },
    })
    expect(event?.createdAt).toBeInstanceOf(Date)
    expect(await rig.settle()).toEqual([
      { channel: 'widget', event: 'created', payload: { entity_id: id, size: 3 }, origin: 'conn-1' },
    ])
  })

  it('broadcasts an integer entity id as the number it is (FastAPI parity), and records its text', async () => {
    const uow = new UnitOfWork({ db: database.db, dispatch: afterCommitDispatch(rig.backend) })
    const serial = 4200 + n++
    await uow.run({ allow: widgetSync }, async (ctx) => {
      await ctx.emit({ channel: 'widget', entityType: 'widget', entityId: serial, eventType: 'updated' })
      ctx.broadcast('widget', 'created', { entity_id: serial + 1 })
    })
    expect(await rig.settle()).toEqual([
      { channel: 'widget', event: 'updated', payload: { entity_id: serial } },
      { channel: 'widget', event: 'created', payload: { entity_id: serial + 1 } },
    ])
    const [event] = await database.db
      .select()
      .from(systemEvents)
      .where(eq(systemEvents.entityId, String(serial)))
    expect(event).toMatchObject({ entityType: 'widget', entityId: String(serial), eventType: 'updated' })
  })

  it("announces the entity's new version as payload.entity_version, and refuses one that is not a number", async () => {
    const uow = new UnitOfWork({ db: database.db, dispatch: afterCommitDispatch(rig.backend) })
    const id = nextId()
    await uow.run({ allow: widgetSync }, async (ctx) => {
      await ctx.emit({
        channel: 'widget',
        entityType: 'widget',
        entityId: id,
        eventType: 'updated',
        version: 7,
      })
    })
    expect(await rig.settle()).toEqual([
      { channel: 'widget', event: 'updated', payload: { entity_id: id, entity_version: 7 } },
    ])
    rig.events.length = 0
    const before = await countSystemEvents(database.db)
    await expect(
      uow.run({ allow: widgetSync }, async (ctx) => {
        await ctx.tx.insert(widgets).values({ id: nextId(), state: 'new' })
        await ctx.emit({
          channel: 'widget',
          entityType: 'widget',
          entityId: id,
          eventType: 'updated',
          version: '8' as unknown as number,
        })
      }),
    ).rejects.toThrow('payload.entity_version must be a finite number, got string')
    expect(await countSystemEvents(database.db)).toBe(before)
    expect(await rig.settle()).toEqual([])
  })

  it('sends nothing before commit, and sends after the data is visible to other connections', async () => {
    let visibleWhenSent: unknown[] | undefined
    // A target that looks at the database (through the db, not the transaction) as it publishes.
    const target = {
      broadcast: async (...args: Parameters<typeof rig.backend.broadcast>) => {
        visibleWhenSent = await database.db
          .select()
          .from(widgets)
          .where(eq(widgets.id, String(args[2].entity_id)))
        return rig.backend.broadcast(...args)
      },
    }
    const uow = new UnitOfWork({ db: database.db, dispatch: afterCommitDispatch(target) })
    const id = nextId()
    let inside: unknown[] = []
    await uow.run({ allow: widgetSync }, async (ctx) => {
      await ctx.tx.insert(widgets).values({ id, state: 'new' })
      await ctx.emit({ channel: 'widget', entityType: 'widget', entityId: id, eventType: 'created' })
      inside = await rig.settle() // a marker sent now arrives; the queued broadcast must not have
    })
    expect(inside).toEqual([])
    expect(visibleWhenSent).toEqual([{ id, state: 'new' }])
    expect((await rig.settle()).map((e) => e.payload.entity_id)).toEqual([id])
  })

  it('a rolled-back transaction leaves no row, no SystemEvent and no broadcast', async () => {
    const uow = new UnitOfWork({ db: database.db, dispatch: afterCommitDispatch(rig.backend) })
    const before = await countSystemEvents(database.db)
    const id = nextId()
    await expect(
      uow.run({ allow: widgetSync }, async (ctx) => {
        await ctx.tx.insert(widgets).values({ id, state: 'new' })
        await ctx.emit({ channel: 'widget', entityType: 'widget', entityId: id, eventType: 'created' })
        throw new Error('business rule failed')
      }),
    ).rejects.toThrow('business rule failed')
    // A database error (duplicate key) after queuing rolls back too.
    const dup = nextId()
    await database.db.insert(widgets).values({ id: dup, state: 'x' })
    await expect(
      uow.run({ allow: widgetSync }, async (ctx) => {
        await ctx.emit({ channel: 'widget', entityType: 'widget', entityId: dup, eventType: 'updated' })
        await ctx.tx.insert(widgets).values({ id: dup, state: 'again' })
      }),
    ).rejects.toThrow()
    expect(await database.db.select().from(widgets).where(eq(widgets.id, id))).toEqual([])
    expect(await countSystemEvents(database.db)).toBe(before)
    expect(await rig.settle()).toEqual([])
  })

  it('refuses a broadcast the allowance does not declare, rolling back', async () => {
    const uow = new UnitOfWork({ db: database.db, dispatch: afterCommitDispatch(rig.backend) })
    const id = nextId()
    const attempt = (channel: string, event: string) =>
      uow.run({ allow: widgetSync }, async (ctx) => {
        await ctx.tx.insert(widgets).values({ id, state: 'new' })
        await ctx.emit({ channel, entityType: 'widget', entityId: id, eventType: event })
      })
    await expect(attempt('other', 'created')).rejects.toThrow(UndeclaredBroadcastError)
    await expect(attempt('widget', 'deleted')).rejects.toThrow(
      'broadcast event "deleted" on "widget" is not declared: x-sync events are created, updated',
    )
    expect(await database.db.select().from(widgets).where(eq(widgets.id, id))).toEqual([])
    expect(await rig.settle()).toEqual([])
  })

  it('refuses a broadcast without payload.entity_id or with a bad channel', async () => {
    const uow = new UnitOfWork({ db: database.db, dispatch: afterCommitDispatch(rig.backend) })
    await expect(
      uow.run({}, async (ctx) => ctx.broadcast('widget', 'created', { entity_id: '' })),
    ).rejects.toThrow('payload.entity_id must be a non-empty string or an integer')
    await expect(
      uow.run({}, async (ctx) => ctx.broadcast('widget', 'created', { entity_id: 4.2 })),
    ).rejects.toThrow('payload.entity_id must be a string or an integer, got the number 4.2')
    await expect(
      uow.run({}, async (ctx) => ctx.broadcast('bad channel', 'created', { entity_id: 'x' })),
    ).rejects.toThrow('may only use letters')
  })

  it('refuses a broadcast the encoder would refuse (over-long event, BigInt payload) before commit', async () => {
    const failures: unknown[] = []
    const uow = new UnitOfWork({
      db: database.db,
      dispatch: afterCommitDispatch(rig.backend, (error) => failures.push(error)),
    })
    const before = await countSystemEvents(database.db)
    const id = nextId()
    // No allowance: nothing but the frame's own rules stands between these and COMMIT.
    await expect(
      uow.run({}, async (ctx) => {
        await ctx.tx.insert(widgets).values({ id, state: 'new' })
        await ctx.emit({ channel: 'widget', entityType: 'widget', entityId: id, eventType: 'e'.repeat(129) })
      }),
    ).rejects.toThrow('event must be a non-empty string of at most 128 characters, got 129 characters')
    await expect(
      uow.run({}, async (ctx) => {
        await ctx.tx.insert(widgets).values({ id, state: 'new' })
        await ctx.emit({
          channel: 'widget',
          entityType: 'widget',
          entityId: id,
          eventType: 'created',
          payload: { count: 1n },
        })
      }),
    ).rejects.toThrow('payload is not JSON-serializable')
    await expect(
      uow.run({ origin: 'o'.repeat(129) }, async (ctx) => {
        await ctx.tx.insert(widgets).values({ id, state: 'new' })
        ctx.broadcast('widget', 'created', { entity_id: id })
      }),
    ).rejects.toThrow('origin must be a non-empty string')
    expect(await database.db.select().from(widgets).where(eq(widgets.id, id))).toEqual([])
    expect(await countSystemEvents(database.db)).toBe(before)
    expect(await rig.settle()).toEqual([])
    expect(failures).toEqual([]) // nothing reached the publish step
  })

  it('a failed publish after commit is reported, not thrown, and the other messages still go out', async () => {
    const failures: string[] = []
    const flaky = {
      broadcast: async (...args: Parameters<typeof rig.backend.broadcast>) => {
        if (args[1] === 'created') throw new Error('engine down')
        return rig.backend.broadcast(...args)
      },
    }
    const uow = new UnitOfWork({
      db: database.db,
      dispatch: afterCommitDispatch(flaky, (error, message) =>
        failures.push(`${message.event}: ${String(error)}`),
      ),
    })
    const id = nextId()
    await uow.run({ allow: widgetSync }, async (ctx) => {
      await ctx.tx.insert(widgets).values({ id, state: 'new' })
      ctx.broadcast('widget', 'created', { entity_id: id })
      ctx.broadcast('widget', 'updated', { entity_id: id })
    })
    expect(failures).toEqual(['created: Error: engine down'])
    expect((await rig.settle()).map((e) => e.event)).toEqual(['updated'])
    expect(await database.db.select().from(widgets).where(eq(widgets.id, id))).toHaveLength(1)
  })
})
