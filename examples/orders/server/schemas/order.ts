import { type Static, Type } from '@sinclair/typebox'
import { ORDER_STATES } from '../services/order-pattern.js'
import { Nullable, ref, Text, Timestamp, Uuid, Version } from './ref.js'

export const OrderStatus = Type.Unsafe<(typeof ORDER_STATES)[number]>({
  $id: 'OrderStatus',
  type: 'string',
  enum: [...ORDER_STATES],
  description:
    'draft → submitted → preparing → ready → served; cancelled from any state but served. Change it with POST /orders/{id}/transition.',
})

/** Largest unit price: 1,000,000.00 in integer cents. */
export const MAX_UNIT_PRICE = 100_000_000
/** Largest quantity of one item line. */
export const MAX_QUANTITY = 1000
/** Most items one order holds (at creation and by POST /orders/{id}/items). */
export const MAX_ITEMS_PER_ORDER = 100
/** The largest total those allow (10^13 cents): a Postgres bigint, and exact as a JSON number. */
export const MAX_ORDER_TOTAL = MAX_ITEMS_PER_ORDER * MAX_QUANTITY * MAX_UNIT_PRICE

const Cents = (description: string) => Type.Integer({ minimum: 0, maximum: MAX_UNIT_PRICE, description })

export const OrderItem = Type.Object(
  {
    id: Uuid(),
    order_id: Uuid(),
    menu_item_id: Nullable(Uuid('The menu item this line came from, if any.')),
    name: Type.String(),
    quantity: Type.Integer({ minimum: 1 }),
    unit_price: Cents('Price of one unit in integer cents.'),
    created_at: Timestamp('When the item was added.'),
  },
  { $id: 'OrderItem', additionalProperties: false },
)

export const OrderItemCreate = Type.Object(
  {
    id: Type.Optional(
      Uuid('Client-generated id, so an optimistic row keeps its identity; a duplicate gets 409.'),
    ),
    menu_item_id: Type.Optional(Uuid('Take name and unit_price from this menu item.')),
    name: Type.Optional(
      Text({ minLength: 1, maxLength: 200, description: 'Required without menu_item_id.' }),
    ),
    quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY }),
    unit_price: Type.Optional(Cents('Integer cents; required without menu_item_id.')),
  },
  {
    $id: 'OrderItemCreate',
    additionalProperties: false,
    description: 'Either menu_item_id, or name and unit_price.',
  },
)

export const Order = Type.Object(
  {
    id: Uuid(),
    status: ref(OrderStatus),
    contact_id: Nullable(Uuid()),
    notes: Nullable(Type.String()),
    items: Type.Array(ref(OrderItem)),
    total: Type.Integer({
      minimum: 0,
      maximum: MAX_ORDER_TOTAL,
      description: 'Server-computed: sum of quantity × unit_price of the items, in integer cents.',
    }),
    version: Type.Integer({
      minimum: 1,
      description: 'Incremented by every change; send it back in OrderUpdate for optimistic locking.',
    }),
    created_at: Timestamp('When the order was created.'),
    updated_at: Timestamp('When the order last changed.'),
  },
  { $id: 'Order', additionalProperties: false },
)

export const OrderCreate = Type.Object(
  {
    id: Type.Optional(
      Uuid('Client-generated id, so an optimistic row keeps its identity; a duplicate gets 409.'),
    ),
    contact_id: Type.Optional(Nullable(Uuid())),
    notes: Type.Optional(Nullable(Text({ maxLength: 2000 }))),
    items: Type.Optional(
      Type.Array(ref(OrderItemCreate), {
        maxItems: MAX_ITEMS_PER_ORDER,
        description: `At most ${MAX_ITEMS_PER_ORDER} items; an order holds no more.`,
      }),
    ),
  },
  { $id: 'OrderCreate', additionalProperties: false },
)

export const OrderUpdate = Type.Object(
  {
    version: Version('The version you edited; a stale one gets 409.'),
    contact_id: Type.Optional(Nullable(Uuid())),
    notes: Type.Optional(Nullable(Text({ maxLength: 2000 }))),
  },
  {
    $id: 'OrderUpdate',
    additionalProperties: false,
    description:
      'Partial update with optimistic locking. Status changes go through POST /orders/{id}/transition.',
  },
)

export const OrderTransition = Type.Object(
  {
    to: ref(OrderStatus),
    version: Type.Optional(Version('When given, a stale version gets 409.')),
  },
  { $id: 'OrderTransition', additionalProperties: false },
)

export const OrderParams = Type.Object({ id: Uuid('Order id.') }, { additionalProperties: false })
export const OrderItemParams = Type.Object(
  { id: Uuid('Order id.'), itemId: Uuid('Order item id.') },
  { additionalProperties: false },
)
export const ListOrdersQuery = Type.Object(
  { status: Type.Optional(ref(OrderStatus)) },
  { additionalProperties: false },
)

export type OrderJson = Static<typeof Order>
export type OrderItemJson = Static<typeof OrderItem>
export type OrderItemCreateInput = Static<typeof OrderItemCreate>
export type OrderCreateInput = Static<typeof OrderCreate>
export type OrderUpdateInput = Static<typeof OrderUpdate>
export type OrderTransitionInput = Static<typeof OrderTransition>
