import { appendSystemEvent, countSystemEvents, systemEvents } from '@pattern-stack/backend-patterns/events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestDb } from './databases.js'

describe('SystemEvent (PGlite)', () => {
  let database: Awaited<ReturnType<typeof openTestDb>>
  beforeAll(async () => {
    database = await openTestDb('pglite')
  })
  afterAll(async () => database?.close())

  it('appends rows with defaults and counts them by entity type', async () => {
    const row = await appendSystemEvent(database.db, {
      entityType: 'order',
      entityId: 'o1',
      eventType: 'created',
    })
    expect(row).toMatchObject({
      entityType: 'order',
      entityId: 'o1',
      eventType: 'created',
      actor: null,
      payload: {},
    })
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/)
    await appendSystemEvent(database.db, {
      entityType: 'contact',
      entityId: 'c1',
      eventType: 'updated',
      actor: 'bob',
      payload: { fields: ['name'] },
    })
    expect(await countSystemEvents(database.db)).toBe(2)
    expect(await countSystemEvents(database.db, 'contact')).toBe(1)
    expect(await countSystemEvents(database.db, 'nothing')).toBe(0)
  })

  it('refuses an event without entity type, id or event type, writing nothing', async () => {
    const before = await countSystemEvents(database.db)
    await expect(
      appendSystemEvent(database.db, { entityType: '', entityId: 'x', eventType: 'created' }),
    ).rejects.toThrow('SystemEvent entityType must be a non-empty string, got ""')
    await expect(
      appendSystemEvent(database.db, {
        entityType: 'order',
        entityId: undefined as never,
        eventType: 'created',
      }),
    ).rejects.toThrow('SystemEvent entityId must be a non-empty string')
    expect(await countSystemEvents(database.db)).toBe(before)
    expect((await database.db.select().from(systemEvents)).length).toBe(before)
  })
})
