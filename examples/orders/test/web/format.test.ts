import { describe, expect, it } from 'vitest'
import { plural, shortId, withShortIds } from '../../web/src/format.js'

describe('text for people', () => {
  it('pluralises counts', () => {
    expect(plural(0, 'item')).toBe('0 items')
    expect(plural(1, 'item')).toBe('1 item')
    expect(plural(4, 'item')).toBe('4 items')
    expect(plural(2, 'refetch', 'refetches')).toBe('2 refetches')
  })

  it('shows every UUID in a text as its short id', () => {
    const id = '7f1c2a9e-0b4d-4c3e-9a51-2f6e8d0c1b7a'
    expect(shortId(id)).toBe('7F1C2A')
    expect(withShortIds(`order ${id} is submitted: items can only change while it is draft`)).toBe(
      'order #7F1C2A is submitted: items can only change while it is draft',
    )
    expect(withShortIds('no ids here')).toBe('no ids here')
  })
})
