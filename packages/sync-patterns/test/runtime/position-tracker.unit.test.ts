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
})
