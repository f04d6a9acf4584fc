import type { contacts, menuItems, orderItems, orders } from '../db/schema.js'
import type { ContactJson } from '../schemas/contact.js'
import type { MenuItemJson } from '../schemas/menu.js'
import type { OrderItemJson, OrderJson } from '../schemas/order.js'
import type { OrderState } from './order-pattern.js'

/** Database rows → the API's snake_case JSON. */
export function orderItemJson(row: typeof orderItems.$inferSelect): OrderItemJson {
  return {
    id: row.id,
    order_id: row.orderId,
    menu_item_id: row.menuItemId,
    name: row.name,
    quantity: row.quantity,
    unit_price: row.unitPrice,
    created_at: row.createdAt.toISOString(),
  }
}

export function orderJson(
  row: typeof orders.$inferSelect,
  items: (typeof orderItems.$inferSelect)[],
): OrderJson {
  return {
    id: row.id,
    status: row.status as OrderState,
    contact_id: row.contactId,
    notes: row.notes,
    items: items.map(orderItemJson),
    total: row.total,
    version: row.version,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  }
}

export function contactJson(row: typeof contacts.$inferSelect): ContactJson {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    version: row.version,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  }
}

export function menuItemJson(row: typeof menuItems.$inferSelect): MenuItemJson {
  return { id: row.id, name: row.name, category: row.category, price: row.price }
}
