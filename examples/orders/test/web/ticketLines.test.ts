import { describe, expect, it } from 'vitest'
import type { MenuItem } from '../../web/src/generated/index.js'
import { ticketLines, ticketTotal } from '../../web/src/ticketLines.js'

const menu: MenuItem[] = [
  { id: 'm1', name: 'Espresso', category: 'drinks', price: 250 },
  { id: 'm2', name: 'Croissant', category: 'bakery', price: 290 },
]

describe('ticket lines', () => {
  it('shows saved items as the server sent them', () => {
    const lines = ticketLines(
      [{ id: 'i1', menu_item_id: 'm1', name: 'Espresso (large)', quantity: 2, unit_price: 300 }],
      menu,
    )
    expect(lines).toEqual([{ id: 'i1', name: 'Espresso (large)', quantity: 2, unitPrice: 300 }])
    expect(ticketTotal(lines)).toBe(600)
  })

  it('names and prices an optimistic row from the menu until the server answers', () => {
    const lines = ticketLines([{ id: 'tmp', menu_item_id: 'm2', quantity: 3 }], menu)
    expect(lines).toEqual([{ id: 'tmp', name: 'Croissant', quantity: 3, unitPrice: 290 }])
    expect(ticketTotal(lines)).toBe(870)
  })

  it('keeps a row whose menu item is unknown visible, at no price', () => {
    expect(ticketLines([{ id: 'x', menu_item_id: 'gone', quantity: 1 }], menu)).toEqual([
      { id: 'x', name: 'Item', quantity: 1, unitPrice: 0 },
    ])
    expect(ticketLines([{ id: 'y', menu_item_id: 'm1', quantity: 1 }], undefined)[0]?.name).toBe('Item')
  })
})
