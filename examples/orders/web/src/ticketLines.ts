import type { MenuItem, OrderItem } from './generated/index.js'

/** One line of a ticket: every item of the same menu item, name and price, with their summed quantity. */
export interface TicketLine {
  /** Stable while the line exists: the menu item, name and price its items share. */
  key: string
  name: string
  quantity: number
  unitPrice: number
  /** The order items behind the line, oldest first. */
  itemIds: string[]
}

/**
 * The ticket as it should look now: four taps of one menu item are one "4 ×" line. A row added
 * from the menu may carry only `menu_item_id` and `quantity` until the server answers, so its name
 * and price come from the menu; the total is summed here so it moves in the same frame as the rows.
 */
export function ticketLines(
  items: readonly Partial<OrderItem>[],
  menu: readonly MenuItem[] | undefined,
): TicketLine[] {
  const lines = new Map<string, TicketLine>()
  items.forEach((item, index) => {
    const fromMenu = item.menu_item_id ? menu?.find((m) => m.id === item.menu_item_id) : undefined
    const name = item.name ?? fromMenu?.name ?? 'Item'
    const unitPrice = item.unit_price ?? fromMenu?.price ?? 0
    const key = JSON.stringify([item.menu_item_id ?? null, name, unitPrice])
    const line = lines.get(key) ?? { key, name, quantity: 0, unitPrice, itemIds: [] }
    line.quantity += item.quantity ?? 1
    line.itemIds.push(item.id ?? `pending-${index}`)
    lines.set(key, line)
  })
  return [...lines.values()]
}

export function ticketTotal(lines: readonly TicketLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0)
}

/** How many things are on the order ("2 × Espresso" is two). */
export function itemCount(items: readonly Pick<OrderItem, 'quantity'>[]): number {
  return items.reduce((sum, item) => sum + item.quantity, 0)
}

/**
 * The item a tap on the line's remove button takes off: the newest one the server already has (one
 * still being saved cannot be removed yet), or undefined when there is none.
 */
export function itemToRemove(
  line: TicketLine,
  pendingIds: ReadonlySet<string | undefined>,
): string | undefined {
  return line.itemIds.findLast((id) => !pendingIds.has(id))
}
