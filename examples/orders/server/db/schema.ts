import { sql } from 'drizzle-orm'
import { bigint, check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

export { broadcastChannels, broadcastLog, systemEvents } from '@pattern-stack/backend-patterns/events'

/** Idempotency-Key records: the first response of a POST, replayed for 24 h. */
export { idempotencyKeys } from '@pattern-stack/backend-patterns/idempotency/drizzle'

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()

/** Money is integer cents everywhere: no float rounding, and JSON numbers stay exact. */
export const menuItems = pgTable('menu_items', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  category: text('category').notNull(),
  price: integer('price').notNull(),
})

export const contacts = pgTable('contacts', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  email: text('email'),
  phone: text('phone'),
  version: integer('version').notNull().default(1),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    status: text('status').notNull().default('draft'),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'restrict' }),
    notes: text('notes'),
    /**
     * Server-computed: sum of quantity × unit_price of the items, in cents. bigint: one line alone
     * can pass 2^31 (1000 × 1,000,000.00); at most MAX_ORDER_TOTAL = 10^13 (migration 0002).
     */
    total: bigint('total', { mode: 'number' }).notNull().default(0),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index('orders_status_idx').on(table.status, table.createdAt)],
)

export const orderItems = pgTable(
  'order_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    menuItemId: uuid('menu_item_id').references(() => menuItems.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    quantity: integer('quantity').notNull(),
    unitPrice: integer('unit_price').notNull(),
    // clock_timestamp, not now(): items added in one transaction get their own times.
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .default(sql`clock_timestamp()`),
    /**
     * Insertion order, which is the order items are listed in. Timestamps cannot give it: PGlite's
     * clock has millisecond resolution, so items inserted together tie (migration 0001).
     */
    position: bigint('position', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
  },
  (table) => [
    index('order_items_order_idx').on(table.orderId, table.position),
    check('order_items_quantity_positive', sql`${table.quantity} > 0`),
    check('order_items_unit_price_nonnegative', sql`${table.unitPrice} >= 0`),
  ],
)
