import {
  afterCommitDispatch,
  defineEventPattern,
  IllegalTransitionError,
  systemEvents,
  UnitOfWork,
} from '@pattern-stack/backend-patterns/events'
import { declareSync } from '@pattern-stack/backend-patterns/openapi'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { databaseKinds, openTestDb, widgets } from './databases.js'
import { broadcastRig } from './ws-watcher.js'

const order = defineEventPattern({
  entity: 'order',
  states: ['draft', 'submitted', 'preparing', 'ready', 'served', 'cancelled'],
  initial: 'draft',
  transitions: {
    draft: ['submitted', 'cancelled'],
    submitted: ['preparing', 'cancelled'],
    preparing: ['ready', 'cancelled'],
    ready: ['served', 'cancelled'],
    served: [],
    cancelled: [],
  },
})

describe('EventPattern definition', () => {
  it('answers which transitions are allowed', () => {
    expect(order.channel).toBe('order')
    expect(order.event).toBe('status_changed')
    expect(order.allowedFrom('draft')).toEqual(['submitted', 'cancelled'])
    expect(order.canTransition('ready', 'served')).toBe(true)
    expect(order.canTransition('served', 'cancelled')).toBe(false)
    expect(order.canTransition('draft', 'draft')).toBe(false)
  })

  it('refuses illegal transitions naming from, to and the allowed ones', () => {
    expect(() => order.assertTransition('draft', 'ready')).toThrow(
      new IllegalTransitionError('order', 'draft', 'ready', ['submitted', 'cancelled']),
    )
    expect(() => order.assertTransition('draft', 'ready')).toThrow(
      'order cannot go from "draft" to "ready"; allowed from "draft": submitted, cancelled',
    )
    expect(() => order.assertTransition('served', 'cancelled')).toThrow(
      'order cannot go from "served" to "cancelled"; "served" is final',
    )
    expect(() => order.assertTransition('draft', 'flying')).toThrow(IllegalTransitionError)
    expect(() => order.assertTransition('flying', 'draft')).toThrow('order: unknown state "flying"')
  })

  it('refuses a definition that names unknown states or leaves one out', () => {
    expect(() =>
      defineEventPattern({
        entity: 'x',
        states: ['a', 'b'],
        initial: 'c' as 'a',
        transitions: { a: [], b: [] },
      }),
    ).toThrow('x: initial state "c" is not one of the states')
    expect(() =>
      defineEventPattern({
        entity: 'x',
        states: ['a', 'b'],
        initial: 'a',
        transitions: { a: ['z' as 'b'], b: [] },
      }),
    ).toThrow('x: "a" → "z" names an unknown state')
    expect(() =>
      defineEventPattern({ entity: 'x', states: ['a', 'b'], initial: 'a', transitions: { a: [] } as never }),
    ).toThrow('x: no transitions declared for state "b"')
  })
})

const kinds = await databaseKinds()

describe.each(kinds)('EventPattern.transitionTo on %s', (kind) => {
  let database: Awaited<ReturnType<typeof openTestDb>>
  let rig: Awaited<ReturnType<typeof broadcastRig>>
  const widget = defineEventPattern({
    entity: 'widget',
    states: ['new', 'done'],
    initial: 'new',
    transitions: { new: ['done'], done: [] },
  })
  const allow = declareSync({ channel: 'widget', events: ['status_changed'] })

  beforeAll(async () => {
    database = await openTestDb(kind)
    rig = await broadcastRig(['widget'])
  })
  afterAll(async () => {
    await rig?.close()
    await database?.close()
  })

  const move = (uow: UnitOfWork<typeof database.db>, id: string, from: string, to: string) =>
    uow.run({ allow, actor: 'kitchen' }, (ctx) =>
      widget.transitionTo(ctx, {
        entityId: id,
        from,
        to,
        persist: async (tx, state) => {
          await tx.update(widgets).set({ state }).where(eq(widgets.id, id))
        },
      }),
    )

  it('persists, logs a SystemEvent and broadcasts status_changed after commit; refuses illegal moves', async () => {
    const uow = new UnitOfWork({ db: database.db, dispatch: afterCommitDispatch(rig.backend) })
    await database.db.insert(widgets).values({ id: 'w1', state: 'new' })
    expect(await move(uow, 'w1', 'new', 'done')).toBe('done')
    await expect(move(uow, 'w1', 'done', 'new')).rejects.toThrow(
      'widget cannot go from "done" to "new"; "done" is final',
    )

    expect(await database.db.select().from(widgets)).toEqual([{ id: 'w1', state: 'done' }])
    const events = await database.db.select().from(systemEvents).where(eq(systemEvents.entityId, 'w1'))
    expect(events.map((e) => [e.entityType, e.eventType, e.actor, e.payload])).toEqual([
      ['widget', 'status_changed', 'kitchen', { from: 'new', to: 'done' }],
    ])
    expect(await rig.settle()).toEqual([
      { channel: 'widget', event: 'status_changed', payload: { entity_id: 'w1', from: 'new', to: 'done' } },
    ])
  })

  it("announces the entity's version after the move when given one", async () => {
    const uow = new UnitOfWork({ db: database.db, dispatch: afterCommitDispatch(rig.backend) })
    rig.events.length = 0
    await database.db.insert(widgets).values({ id: 'w2', state: 'new' })
    await uow.run({ allow }, (ctx) =>
      widget.transitionTo(ctx, {
        entityId: 'w2',
        from: 'new',
        to: 'done',
        version: 2,
        persist: async () => {},
      }),
    )
    expect(await rig.settle()).toEqual([
      {
        channel: 'widget',
        event: 'status_changed',
        payload: { entity_id: 'w2', from: 'new', to: 'done', entity_version: 2 },
      },
    ])
  })
})
