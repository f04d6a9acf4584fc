import { describe, expect, it } from 'vitest'
import type { MenuItem } from '../../web/src/generated/index.js'
import { itemCount, itemToRemove, ticketLines, ticketTotal } from '../../web/src/ticketLines.js'

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
    expect(lines).toEqual([
      {
        key: JSON.stringify(['m1', 'Espresso (large)', 300]),
        name: 'Espresso (large)',
        quantity: 2,
        unitPrice: 300,
        itemIds: ['i1'],
      },
    ])
    expect(ticketTotal(lines)).toBe(600)
  })

  it('names and prices an optimistic row from the menu until the server answers', () => {
    const lines = ticketLines([{ id: 'tmp', menu_item_id: 'm2', quantity: 3 }], menu)
    expect(lines).toMatchObject([{ name: 'Croissant', quantity: 3, unitPrice: 290, itemIds: ['tmp'] }])
    expect(ticketTotal(lines)).toBe(870)
  })

  it('keeps a row whose menu item is unknown visible, at no price', () => {
    expect(ticketLines([{ id: 'x', menu_item_id: 'gone', quantity: 1 }], menu)).toMatchObject([
      { name: 'Item', quantity: 1, unitPrice: 0, itemIds: ['x'] },
    ])
    expect(ticketLines([{ id: 'y', menu_item_id: 'm1', quantity: 1 }], undefined)[0]?.name).toBe('Item')
  })

  it('groups items of the same menu item, name and price into one line, in order of first appearance', () => {
    const espresso = { menu_item_id: 'm1', name: 'Espresso', unit_price: 250, quantity: 1 }
    const lines = ticketLines(
      [
        { ...espresso, id: 'a' },
        { id: 'b', menu_item_id: 'm2', name: 'Croissant', unit_price: 290, quantity: 1 },
        { ...espresso, id: 'c' },
        // Still being saved: named from the menu, it joins the saved ones.
        { id: 'd', menu_item_id: 'm1', quantity: 2 },
        { ...espresso, id: 'e' },
      ],
      menu,
    )
    expect(lines.map((line) => [line.quantity, line.name, line.itemIds])).toEqual([
      [5, 'Espresso', ['a', 'c', 'd', 'e']],
      [1, 'Croissant', ['b']],
    ])
    expect(ticketTotal(lines)).toBe(5 * 250 + 290)
  })

  it('keeps items apart whose name or price differ, even from the same menu item', () => {
    const lines = ticketLines(
      [
        { id: 'a', menu_item_id: 'm1', name: 'Espresso', unit_price: 250, quantity: 1 },
        { id: 'b', menu_item_id: 'm1', name: 'Espresso', unit_price: 275, quantity: 1 },
        { id: 'c', name: 'Espresso', unit_price: 250, quantity: 1 },
      ],
      menu,
    )
    expect(lines.map((line) => line.itemIds)).toEqual([['a'], ['b'], ['c']])
  })

  it('removes the newest saved item of a line, never one still being saved', () => {
    const [line] = ticketLines(
      [
        { id: 'a', menu_item_id: 'm1', quantity: 1 },
        { id: 'b', menu_item_id: 'm1', quantity: 1 },
        { id: 'c', menu_item_id: 'm1', quantity: 1 },
      ],
      menu,
    )
    if (!line) throw new Error('no line')
    expect(itemToRemove(line, new Set())).toBe('c')
    expect(itemToRemove(line, new Set(['c']))).toBe('b')
    expect(itemToRemove(line, new Set(['a', 'b', 'c']))).toBeUndefined()
  })

  it('counts the things on an order by quantity', () => {
    expect(itemCount([])).toBe(0)
    expect(itemCount([{ quantity: 2 }, { quantity: 1 }])).toBe(3)
  })
})
