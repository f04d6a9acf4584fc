import { asc } from 'drizzle-orm'
import type { OrdersDb } from '../db/client.js'
import { menuItems } from '../db/schema.js'
import type { MenuItemJson } from '../schemas/menu.js'
import { menuItemJson } from './serialize.js'

/** The menu is read-only over the API (seeded on first start), so it has no x-sync. */
export class MenuService {
  constructor(private readonly db: OrdersDb) {}

  async list(): Promise<MenuItemJson[]> {
    const rows = await this.db.select().from(menuItems).orderBy(asc(menuItems.category), asc(menuItems.name))
    return rows.map(menuItemJson)
  }
}
