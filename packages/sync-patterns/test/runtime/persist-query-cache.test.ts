// @vitest-environment happy-dom
import { QueryClient } from '@tanstack/query-core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { persistQueryCache } from '../../src/runtime/persist/persist-query-cache.js'

afterEach(() => {
  localStorage.clear()
})

describe('persistQueryCache (Level 2: the cache survives a page refresh)', () => {
  it('restores cached data into a fresh QueryClient from localStorage', async () => {
    const before = new QueryClient()
    const persisted = persistQueryCache({ queryClient: before, storage: localStorage, throttleTime: 0 })
    await persisted.restored
    await before.fetchQuery({ queryKey: ['orders', '1'], queryFn: async () => ({ id: '1', total: 42 }) })
    await vi.waitFor(() => expect(localStorage.getItem('sync-patterns-cache')).toContain('"total":42'))
    persisted.stop()

    // "Refresh": a new QueryClient; without persistence it starts empty…
    expect(new QueryClient().getQueryData(['orders', '1'])).toBeUndefined()
    // …with it, the data is back before any fetch.
    const after = new QueryClient()
    await persistQueryCache({ queryClient: after, storage: localStorage }).restored
    expect(after.getQueryData(['orders', '1'])).toEqual({ id: '1', total: 42 })
  })

  it('discards a cache written by another app version (buster) and one older than maxAge', async () => {
    const writer = new QueryClient()
    const persisted = persistQueryCache({ queryClient: writer, buster: 'v1', throttleTime: 0 })
    await persisted.restored
    writer.setQueryData(['orders'], ['a'])
    await vi.waitFor(() => expect(localStorage.getItem('sync-patterns-cache')).toContain('"a"'))
    persisted.stop()

    const otherVersion = new QueryClient()
    await persistQueryCache({ queryClient: otherVersion, buster: 'v2' }).restored
    expect(otherVersion.getQueryData(['orders'])).toBeUndefined()

    const tooOld = new QueryClient()
    await new Promise((r) => setTimeout(r, 5))
    await persistQueryCache({ queryClient: tooOld, buster: 'v1', maxAge: 1 }).restored
    expect(tooOld.getQueryData(['orders'])).toBeUndefined()
  })

  it('is opt-in and names a missing storage', () => {
    const storage = globalThis.localStorage
    vi.stubGlobal('localStorage', undefined)
    try {
      expect(() => persistQueryCache({ queryClient: new QueryClient() })).toThrow(/needs a storage/)
    } finally {
      vi.stubGlobal('localStorage', storage)
      vi.unstubAllGlobals()
    }
  })
})
