import { noBroadcastDispatch, UnitOfWork } from '@pattern-stack/backend-patterns/events'
import { sql } from 'drizzle-orm'
import type { OrdersDb } from './db/client.js'
import { menuItems } from './db/schema.js'
import { OrderService } from './services/order-service.js'
import { orderSync } from './sync.js'

const MENU = [
  { name: 'Espresso', category: 'drinks', price: 250 },
  { name: 'Cappuccino', category: 'drinks', price: 380 },
  { name: 'Fresh orange juice', category: 'drinks', price: 420 },
  { name: 'Croissant', category: 'bakery', price: 290 },
  { name: 'Cinnamon roll', category: 'bakery', price: 340 },
  { name: 'Avocado toast', category: 'kitchen', price: 950 },
  { name: 'Shakshuka', category: 'kitchen', price: 1250 },
  { name: 'Club sandwich', category: 'kitchen', price: 1100 },
]

/**
 * On first start (no menu yet): the menu and a few orders in different states. The orders go
 * through the service, so they have SystemEvents like any other change. Returns whether it seeded.
 */
export async function seedIfEmpty(db: OrdersDb): Promise<boolean> {
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(menuItems)
  if ((count?.n ?? 0) > 0) return false
  const menu = await db.insert(menuItems).values(MENU).returning()
  const byName = new Map(menu.map((item) => [item.name, item.id]))
  const service = new OrderService(new UnitOfWork({ db, dispatch: noBroadcastDispatch }))
  const meta = { actor: 'seed', allow: orderSync }
  const item = (name: string, quantity: number) => ({ menu_item_id: byName.get(name) ?? '', quantity })

  await service.create(meta, { notes: 'Table 4', items: [item('Cappuccino', 2), item('Croissant', 2)] })
  const submitted = await service.create(meta, { notes: 'Take-away', items: [item('Shakshuka', 1)] })
  await service.transition(meta, submitted.id, { to: 'submitted' })
  const preparing = await service.create(meta, {
    notes: 'Table 1',
    items: [item('Club sandwich', 1), item('Espresso', 1)],
  })
  await service.transition(meta, preparing.id, { to: 'submitted' })
  await service.transition(meta, preparing.id, { to: 'preparing' })
  return true
}
