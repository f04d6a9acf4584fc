import { afterEach, describe, expect, it, vi } from 'vitest'
import { randomUUID } from '../../src/runtime/core/optimistic/random-uuid.js'

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('randomUUID', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('uses crypto.randomUUID where it exists', () => {
    expect(randomUUID()).toMatch(V4)
  })

  it('still gives distinct v4 UUIDs outside a secure context (no crypto.randomUUID)', () => {
    const real = globalThis.crypto
    vi.stubGlobal('crypto', { getRandomValues: (bytes: Uint8Array) => real.getRandomValues(bytes) })
    // The stub hides randomUUID: the fallback path is the one under test.
    expect(typeof (crypto as Partial<Crypto>).randomUUID).toBe('undefined')
    const ids = new Set(Array.from({ length: 1000 }, () => randomUUID()))
    expect(ids.size).toBe(1000)
    for (const id of ids) expect(id).toMatch(V4)
  })
})
