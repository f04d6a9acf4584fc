import { IllegalTransitionError } from '@pattern-stack/backend-patterns/events'
import { and, asc, desc, eq, sql } from 'drizzle-orm'
import { contacts, menuItems, orderItems, orders } from '../db/schema.js'
import { notFound, ProblemError, unprocessable } from '../problem.js'
import {
  MAX_ITEMS_PER_ORDER,
  type OrderCreateInput,
  type OrderItemCreateInput,
  type OrderItemJson,
  type OrderJson,
  type OrderTransitionInput,
  type OrderUpdateInput,
} from '../schemas/order.js'
import { insertOrDuplicate, refuseDuplicateId } from './duplicate-id.js'
import { type OrderState, orderPattern } from './order-pattern.js'
import { orderItemJson, orderJson } from './serialize.js'
import type { Executor, OrdersUnitOfWork, RequestMeta, Tx } from './unit-of-work.js'

const CHANNEL = orderPattern.channel
const ENTITY = orderPattern.entity

/** Items may change only while the order is a draft: after that the kitchen works from it. */
const EDITABLE_STATES: readonly OrderState[] = ['draft']

/**
 * The Order's business rules. Every mutation runs in one unit of work: its writes, one SystemEvent
 * and one broadcast (sent after commit) on the `order` channel, carrying the order's version after
 * the change (every change to what an order's JSON shows bumps it under the row lock, so the new
 * version is the locked one plus one), except for a delete.
 */
export class OrderService {
  constructor(private readonly uow: OrdersUnitOfWork) {}

  /**
   * One statement (orders left-joined with their items): the items always match the order's
   * version, and a list costs one round trip and no parameter per order. After a deploy every
   * client refetches the list at once, so its cost per request bounds how fast they are current.
   */
  async list(status?: OrderState): Promise<OrderJson[]> {
    const rows = await this.uow.db
      .select({ order: orders, item: orderItems })
      .from(orders)
      .leftJoin(orderItems, eq(orderItems.orderId, orders.id))
      .where(status ? eq(orders.status, status) : undefined)
      .orderBy(desc(orders.createdAt), asc(orders.id), asc(orderItems.position))
    const list: OrderJson[] = []
    let order: OrderRow | undefined
    let items: (typeof orderItems.$inferSelect)[] = []
    for (const row of rows) {
      if (row.order.id !== order?.id) {
        if (order) list.push(orderJson(order, items))
        order = row.order
        items = []
      }
      if (row.item) items.push(row.item)
    }
    if (order) list.push(orderJson(order, items))
    return list
  }

  async get(id: string): Promise<OrderJson> {
    const order = await readOrder(this.uow.db, id)
    if (!order) throw notFound('order', id)
    return order
  }

  async create(meta: RequestMeta, input: OrderCreateInput): Promise<OrderJson> {
    return this.uow.run(meta, async (ctx) => {
      const { tx } = ctx
      if (
        input.id &&
        (await tx.select({ id: orders.id }).from(orders).where(eq(orders.id, input.id))).length > 0
      ) {
        throw refuseDuplicateId('order', input.id)
      }
      if (input.contact_id) await requireContact(tx, input.contact_id)
      const lines = await Promise.all(
        (input.items ?? []).map((item, i) => resolveItem(tx, item, `items/${i}`)),
      )
      assertDistinctItemIds(lines.map((line) => line.id))
      const [row] = await insertOrDuplicate('order', input.id, () =>
        tx
          .insert(orders)
          .values({
            ...(input.id ? { id: input.id } : {}),
            status: orderPattern.initial,
            contactId: input.contact_id ?? null,
            notes: input.notes ?? null,
          })
          .returning(),
      )
      if (!row) throw new Error('insert returned no order')
      for (const line of lines) {
        await insertOrDuplicate('order item', line.id, () =>
          tx
            .insert(orderItems)
            .values({ ...line, orderId: row.id })
            .returning(),
        )
      }
      if (lines.length > 0) await recomputeTotal(tx, row.id, false)
      await ctx.emit({
        channel: CHANNEL,
        entityType: ENTITY,
        entityId: row.id,
        eventType: 'created',
        version: row.version,
      })
      return mustRead(tx, row.id)
    })
  }

  async update(meta: RequestMeta, id: string, input: OrderUpdateInput): Promise<OrderJson> {
    const fields = Object.keys(input).filter((key) => key !== 'version')
    if (fields.length === 0) {
      throw new ProblemError(
        422,
        'nothing-to-update',
        'nothing to update: give contact_id and/or notes with version',
      )
    }
    return this.uow.run(meta, async (ctx) => {
      const { tx } = ctx
      const current = await lockOrder(tx, id)
      assertVersion(current, input.version)
      if (input.contact_id) await requireContact(tx, input.contact_id)
      await tx
        .update(orders)
        .set({
          ...(input.contact_id !== undefined ? { contactId: input.contact_id } : {}),
          ...(input.notes !== undefined ? { notes: input.notes } : {}),
          version: sql`${orders.version} + 1`,
          updatedAt: sql`now()`,
        })
        .where(eq(orders.id, id))
      await ctx.emit({
        channel: CHANNEL,
        entityType: ENTITY,
        entityId: id,
        eventType: 'updated',
        payload: { fields },
        version: current.version + 1,
      })
      return mustRead(tx, id)
    })
  }

  async delete(meta: RequestMeta, id: string): Promise<void> {
    await this.uow.run(meta, async (ctx) => {
      await lockOrder(ctx.tx, id)
      await ctx.tx.delete(orders).where(eq(orders.id, id))
      await ctx.emit({ channel: CHANNEL, entityType: ENTITY, entityId: id, eventType: 'deleted' })
    })
  }

  async addItem(meta: RequestMeta, orderId: string, input: OrderItemCreateInput): Promise<OrderItemJson> {
    return this.uow.run(meta, async (ctx) => {
      const { tx } = ctx
      const order = await lockOrder(tx, orderId)
      assertEditable(order)
      await assertRoomForItem(tx, orderId)
      const line = await resolveItem(tx, input, '')
      const [item] = await insertOrDuplicate('order item', line.id, () =>
        tx
          .insert(orderItems)
          .values({ ...line, orderId })
          .returning(),
      )
      if (!item) throw new Error('insert returned no item')
      await recomputeTotal(tx, orderId, true)
      await ctx.emit({
        channel: CHANNEL,
        entityType: ENTITY,
        entityId: orderId,
        eventType: 'item_added',
        payload: { item_id: item.id },
        version: order.version + 1,
      })
      return orderItemJson(item)
    })
  }

  async removeItem(meta: RequestMeta, orderId: string, itemId: string): Promise<void> {
    await this.uow.run(meta, async (ctx) => {
      const { tx } = ctx
      const order = await lockOrder(tx, orderId)
      assertEditable(order)
      const deleted = await tx
        .delete(orderItems)
        .where(and(eq(orderItems.id, itemId), eq(orderItems.orderId, orderId)))
        .returning({ id: orderItems.id })
      if (deleted.length === 0) throw notFound(`item of order ${orderId}:`, itemId)
      await recomputeTotal(tx, orderId, true)
      await ctx.emit({
        channel: CHANNEL,
        entityType: ENTITY,
        entityId: orderId,
        eventType: 'item_removed',
        payload: { item_id: itemId },
        version: order.version + 1,
      })
    })
  }

  async transition(meta: RequestMeta, id: string, input: OrderTransitionInput): Promise<OrderJson> {
    return this.uow.run(meta, async (ctx) => {
      const current = await lockOrder(ctx.tx, id)
      if (input.version !== undefined) assertVersion(current, input.version)
      try {
        await orderPattern.transitionTo(ctx, {
          entityId: id,
          from: current.status,
          to: input.to,
          version: current.version + 1,
          persist: async (tx, to) => {
            await tx
              .update(orders)
              .set({ status: to, version: sql`${orders.version} + 1`, updatedAt: sql`now()` })
              .where(eq(orders.id, id))
          },
        })
      } catch (error) {
        if (error instanceof IllegalTransitionError) {
          throw new ProblemError(409, 'illegal-transition', error.message, { allowed: [...error.allowed] })
        }
        throw error
      }
      return mustRead(ctx.tx, id)
    })
  }
}

type OrderRow = typeof orders.$inferSelect
type NewItem = Omit<typeof orderItems.$inferInsert, 'orderId'>

async function readOrder(db: Executor, id: string): Promise<OrderJson | undefined> {
  const [row] = await db.select().from(orders).where(eq(orders.id, id))
  if (!row) return undefined
  const items = await db
    .select()
    .from(orderItems)
    .where(eq(orderItems.orderId, id))
    .orderBy(asc(orderItems.position))
  return orderJson(row, items)
}

async function mustRead(tx: Tx, id: string): Promise<OrderJson> {
  const order = await readOrder(tx, id)
  if (!order) throw new Error(`order ${id} vanished inside its own transaction`)
  return order
}

/** Reads the order and holds its row lock until commit, so concurrent changes to it queue up. */
async function lockOrder(tx: Tx, id: string): Promise<OrderRow> {
  const [row] = await tx.select().from(orders).where(eq(orders.id, id)).for('update')
  if (!row) throw notFound('order', id)
  return row
}

function assertVersion(order: OrderRow, expected: number) {
  if (order.version !== expected) {
    throw new ProblemError(
      409,
      'version-conflict',
      `order ${order.id} is at version ${order.version}, not ${expected}: it was changed by someone else; refetch and retry`,
      { current_version: order.version },
    )
  }
}

function assertEditable(order: OrderRow) {
  if (!EDITABLE_STATES.includes(order.status as OrderState)) {
    throw new ProblemError(
      409,
      'order-not-editable',
      `order ${order.id} is ${order.status}: items can only change while it is ${EDITABLE_STATES.join(' or ')}`,
    )
  }
}

/** An order holds at most MAX_ITEMS_PER_ORDER items, so its total stays within MAX_ORDER_TOTAL. */
async function assertRoomForItem(tx: Tx, orderId: string) {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(orderItems)
    .where(eq(orderItems.orderId, orderId))
  if ((row?.n ?? 0) >= MAX_ITEMS_PER_ORDER) {
    throw new ProblemError(
      409,
      'order-full',
      `order ${orderId} already has ${MAX_ITEMS_PER_ORDER} items, the most an order holds; remove one first`,
    )
  }
}

async function requireContact(tx: Tx, contactId: string) {
  const found = await tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.id, contactId))
  if (found.length === 0) throw unprocessable('contact_id', `contact ${contactId} does not exist`)
}

/** An item line from either a menu item (name and price from the menu) or an explicit name and unit_price. */
async function resolveItem(tx: Tx, input: OrderItemCreateInput, at: string): Promise<NewItem> {
  const field = (name: string) => (at ? `${at}/${name}` : name)
  const base = { ...(input.id ? { id: input.id } : {}), quantity: input.quantity }
  if (input.menu_item_id !== undefined) {
    if (input.name !== undefined || input.unit_price !== undefined) {
      throw unprocessable(field('menu_item_id'), 'give either menu_item_id or name and unit_price, not both')
    }
    const [menuItem] = await tx.select().from(menuItems).where(eq(menuItems.id, input.menu_item_id))
    if (!menuItem)
      throw unprocessable(field('menu_item_id'), `menu item ${input.menu_item_id} does not exist`)
    return { ...base, menuItemId: menuItem.id, name: menuItem.name, unitPrice: menuItem.price }
  }
  if (input.name === undefined) throw unprocessable(field('name'), 'is required without menu_item_id')
  if (input.unit_price === undefined)
    throw unprocessable(field('unit_price'), 'is required without menu_item_id')
  return { ...base, menuItemId: null, name: input.name, unitPrice: input.unit_price }
}

function assertDistinctItemIds(ids: (string | undefined)[]) {
  const seen = new Set<string>()
  ids.forEach((id, i) => {
    if (id === undefined) return
    if (seen.has(id)) throw unprocessable(`items/${i}/id`, `repeats item id ${id}`)
    seen.add(id)
  })
}

/** Total is always recomputed from the items (server-computed), and any item change bumps the version. */
async function recomputeTotal(tx: Tx, orderId: string, bumpVersion: boolean) {
  await tx
    .update(orders)
    .set({
      total: sql`(select coalesce(sum(${orderItems.quantity}::bigint * ${orderItems.unitPrice}), 0)::bigint from ${orderItems} where ${orderItems.orderId} = ${orderId})`,
      ...(bumpVersion ? { version: sql`${orders.version} + 1`, updatedAt: sql`now()` } : {}),
    })
    .where(eq(orders.id, orderId))
}
