import { describe, expect, it } from 'vitest'
import { type EntityVersionRequirement, holdsEntityVersion } from '../../src/runtime/core/cached-version.js'

const cache = { root: 'orders', versionField: 'version' }
const at = (version: number, entityId: string | number = '1'): EntityVersionRequirement => ({
  cache,
  entityId,
  version,
})
const fetched = { fetched: true, optimistic: false }
const byHand = { fetched: false, optimistic: false }
const optimistic = { fetched: true, optimistic: true }

describe('holdsEntityVersion (when a broadcast with entity_version needs no refetch)', () => {
  it("a detail: the entity's row at the version or newer, however it was written", () => {
    expect(holdsEntityVersion(['orders', '1'], { id: '1', version: 3 }, at(3), fetched)).toBe(true)
    expect(holdsEntityVersion(['orders', '1'], { id: '1', version: 4 }, at(3), byHand)).toBe(true)
    expect(holdsEntityVersion(['orders', '1'], { id: '1', version: 2 }, at(3), fetched)).toBe(false)
    expect(holdsEntityVersion(['orders', 1], { id: 1, version: 3 }, at(3, '1'), fetched)).toBe(true)
    expect(holdsEntityVersion(['orders', '1'], { id: '1' }, at(3), fetched)).toBe(false)
    expect(holdsEntityVersion(['orders', '1'], { id: '1', version: '3' }, at(3), fetched)).toBe(false)
    expect(holdsEntityVersion(['orders', '1'], undefined, at(3), fetched)).toBe(false)
  })

  it('never data with a pending optimistic change drawn on it', () => {
    expect(holdsEntityVersion(['orders', '1'], { id: '1', version: 3 }, at(3), optimistic)).toBe(false)
    expect(holdsEntityVersion(['orders'], [{ id: '1', version: 3 }], at(3), optimistic)).toBe(false)
  })

  it('a list: only a fetched one that holds the entity, every copy at the version or newer', () => {
    expect(
      holdsEntityVersion(
        ['orders'],
        [
          { id: '2', version: 1 },
          { id: '1', version: 3 },
        ],
        at(3),
        fetched,
      ),
    ).toBe(true)
    expect(
      holdsEntityVersion(['orders', { status: 'draft' }], [{ id: '1', version: 5 }], at(3), fetched),
    ).toBe(true)
    // Without the entity it may have to gain it (say a status change into the list's filter).
    expect(
      holdsEntityVersion(['orders', { status: 'draft' }], [{ id: '2', version: 9 }], at(3), fetched),
    ).toBe(false)
    expect(
      holdsEntityVersion(
        ['orders'],
        [
          { id: '1', version: 3 },
          { id: '1', version: 2 },
        ],
        at(3),
        fetched,
      ),
    ).toBe(false)
    // Written by hand (a mutation's response put into it): the server may filter or order it otherwise.
    expect(holdsEntityVersion(['orders'], [{ id: '1', version: 3 }], at(3), byHand)).toBe(false)
  })

  it('envelopes: the row inside detailField, the rows at listField', () => {
    const envelopes = { ...cache, detailField: 'order', listField: 'data.items' }
    const req = { cache: envelopes, entityId: '1', version: 3 }
    expect(holdsEntityVersion(['orders', '1'], { order: { id: '1', version: 3 } }, req, fetched)).toBe(true)
    expect(holdsEntityVersion(['orders'], { data: { items: [{ id: '1', version: 3 }] } }, req, fetched)).toBe(
      true,
    )
    expect(holdsEntityVersion(['orders'], { items: [{ id: '1', version: 3 }] }, req, fetched)).toBe(false)
  })

  it("never another entity's detail or a key below the entity", () => {
    expect(holdsEntityVersion(['orders', '2'], { id: '2', version: 9 }, at(3), fetched)).toBe(false)
    expect(holdsEntityVersion(['orders', '1', 'items'], [{ id: '1', version: 9 }], at(3), fetched)).toBe(
      false,
    )
    expect(holdsEntityVersion(['contacts', '1'], { id: '1', version: 9 }, at(3), fetched)).toBe(false)
  })
})
