import { describe, expect, it } from 'vitest'
import { PositionTracker } from '../../src/runtime/core/position-tracker.js'

// The positions a client has seen per channel (docs/protocol.md, "Positions and recovery").

describe('PositionTracker', () => {
  it('a base once told, each position seen extends it when it is the next; duplicates are refused', () => {
    const tracker = new PositionTracker()
    expect(tracker.base('order')).toBeNull()
    expect(tracker.see('order', 5)).toBe(true)
    expect(tracker.base('order')).toBeNull()
    tracker.advanceTo('order', 3)
    expect(tracker.base('order')).toBe(3)
    expect(tracker.see('order', 4)).toBe(true)
    expect(tracker.base('order')).toBe(5)
    expect(tracker.see('order', 5)).toBe(false)
    expect(tracker.see('order', 2)).toBe(false)
    expect(tracker.toRecord()).toEqual({ order: 5 })
  })

  it('out of order: the base waits for the missing position, then takes everything above it', () => {
    const tracker = new PositionTracker()
    tracker.advanceTo('order', 10)
    expect(tracker.see('order', 12)).toBe(true)
    expect(tracker.see('order', 13)).toBe(true)
    expect(tracker.base('order')).toBe(10)
    expect(tracker.see('order', 11)).toBe(true)
    expect(tracker.base('order')).toBe(13)
  })

  it('a gap is a missing position with later ones seen; it closes when filled or advanced over', () => {
    const tracker = new PositionTracker()
    tracker.see('order', 7)
    expect(tracker.hasGap('order')).toBe(false) // no base yet: nothing known to be missing
    tracker.advanceTo('order', 5)
    expect(tracker.hasGap('order')).toBe(true) // 6 missing
    tracker.see('order', 6)
    expect(tracker.hasGap('order')).toBe(false)
    tracker.see('order', 9)
    expect(tracker.hasGap('order')).toBe(true)
    tracker.advanceTo('order', 9)
    expect(tracker.hasGap('order')).toBe(false)
    expect(tracker.hasGap('unknown')).toBe(false)
  })

  it('advanceTo never moves back; forget drops the channel', () => {
    const tracker = new PositionTracker()
    tracker.advanceTo('order', 10)
    tracker.advanceTo('order', 4)
    expect(tracker.base('order')).toBe(10)
    tracker.advanceTo('customer', 1)
    tracker.forget('order')
    expect(tracker.base('order')).toBeNull()
    expect(tracker.toRecord()).toEqual({ customer: 1 })
  })

  it('a new history epoch forgets the positions counted in the old one; the first epoch is adopted', () => {
    const tracker = new PositionTracker()
    expect(tracker.startsOver('order', 'e1')).toBe(false)
    tracker.advanceTo('order', 20)
    tracker.see('order', 22)
    expect(tracker.startsOver('order', 'e1')).toBe(false)
    expect(tracker.base('order')).toBe(20)
    expect(tracker.startsOver('order', 'e2')).toBe(true)
    expect(tracker.base('order')).toBeNull()
    tracker.advanceTo('order', 20)
    expect(tracker.see('order', 21)).toBe(true)
    expect(tracker.base('order')).toBe(21) // 22 was the old epoch's, forgotten
    expect(tracker.startsOver('order', 'e2')).toBe(false)
  })

  it('positions counted before any epoch was known count as another epoch, unless there were none', () => {
    const tracker = new PositionTracker()
    tracker.advanceTo('order', 0)
    expect(tracker.startsOver('order', 'e1')).toBe(false)
    tracker.advanceTo('item', 0)
    tracker.see('item', 1)
    expect(tracker.startsOver('item', 'e1')).toBe(true)
    expect(tracker.base('item')).toBeNull()
  })
})
