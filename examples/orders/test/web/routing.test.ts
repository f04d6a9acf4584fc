import { describe, expect, it } from 'vitest'
import { hrefFor, parseRoute, type Route } from '../../web/src/routing.js'

describe('hash routes of the Orders app', () => {
  it('reads every screen from the hash', () => {
    expect(parseRoute('')).toEqual({ view: 'orders' })
    expect(parseRoute('#/orders')).toEqual({ view: 'orders' })
    expect(parseRoute('#/kitchen')).toEqual({ view: 'kitchen' })
    expect(parseRoute('#/orders/abc')).toEqual({ view: 'entry', orderId: 'abc' })
    expect(parseRoute('#/orders/abc/edit')).toEqual({ view: 'edit', orderId: 'abc' })
  })

  it('falls back to the orders list for a hash it does not know', () => {
    expect(parseRoute('#/nope/1/2')).toEqual({ view: 'orders' })
  })

  it('writes hashes that read back as the same route, escaping ids', () => {
    const routes: Route[] = [
      { view: 'orders' },
      { view: 'kitchen' },
      { view: 'entry', orderId: 'a b/c' },
      { view: 'edit', orderId: '7f1c' },
    ]
    for (const route of routes) expect(parseRoute(hrefFor(route))).toEqual(route)
    expect(hrefFor({ view: 'entry', orderId: 'a b/c' })).toBe('#/orders/a%20b%2Fc')
  })
})
