import type { MenuItem, OrderItem } from './generated/index.js'

export interface TicketLine {
  id: string
  name: string
  quantity: number
  unitPrice: number
}

/**
 * The ticket as it should look now. An optimistic row added from the menu carries only
 * `menu_item_id` and `quantity` until the server answers, so its name and price come from the menu;
 * the total is summed here so it moves in the same frame as the rows.
 */
export function ticketLines(
  items: readonly Partial<OrderItem>[],
  menu: readonly MenuItem[] | undefined,
): TicketLine[] {
  return items.map((item, index) => {
    const fromMenu = item.menu_item_id ? menu?.find((m) => m.id === item.menu_item_id) : undefined
    return {
      id: item.id ?? `pending-${index}`,
      name: item.name ?? fromMenu?.name ?? 'Item',
      quantity: item.quantity ?? 1,
      unitPrice: item.unit_price ?? fromMenu?.price ?? 0,
    }
  })
}

export function ticketTotal(lines: readonly TicketLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0)
}
