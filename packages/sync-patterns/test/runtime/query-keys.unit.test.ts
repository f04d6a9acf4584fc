import { QueryClient, type QueryKey, QueryObserver } from '@tanstack/query-core'
import { afterEach, describe, expect, it } from 'vitest'
import {
  entityFilters,
  entityIdKey,
  entityKeys,
  getSyncClient,
  hasPendingMutation,
  isDetailKey,
  isKeyUnder,
  isListKeyOf,
  keysEqual,
  keysOverlap,
} from '../../src/runtime/core/index.js'

// The query-key rule for entity ids (query-keys.ts, `entityIdKey`): keys keep the id as given, and an
// integer and its decimal text are the same entity wherever the runtime compares keys.

describe('the entity-id key rule', () => {
  it('an integer compares as its decimal text; nothing else changes', () => {
    expect(entityIdKey(42)).toBe('42')
    expect(entityIdKey(-7)).toBe('-7')
    expect(entityIdKey('42')).toBe('42')
    expect(entityIdKey('042')).toBe('042')
    expect(entityIdKey(4.2)).toBe(4.2)
    expect(entityIdKey(2 ** 53)).toBe(2 ** 53)
    const params = { page: 2 }
    expect(entityIdKey(params)).toBe(params)
  })

  it('generated keys keep the id as given: detail(42) is ["orders", 42]', () => {
    const keys = entityKeys('orders')
    expect(keys.detail(42)).toEqual(['orders', 42])
    expect(keys.path([42, 'items'])).toEqual(['orders', 42, 'items'])
    expect(keys.detail('42')).toEqual(['orders', '42'])
  })

  it('42 and "42" match in every comparison: equal, under, list, overlap, detail', () => {
    const keys = entityKeys('orders')
    expect(keysEqual(keys.detail(42), ['orders', '42'])).toBe(true)
    expect(keysEqual(keys.detail(42), ['orders', '042'])).toBe(false)
    expect(keysEqual(keys.detail(42), ['orders', 42, 'items'])).toBe(false)
    expect(isKeyUnder(['orders', '42', 'items'], keys.detail(42))).toBe(true)
    expect(isKeyUnder(['orders', 42, 'items'], ['orders', '42'])).toBe(true)
    expect(isKeyUnder(['orders', 43], ['orders', '42'])).toBe(false)
    expect(isListKeyOf(['orders', '42'], keys.detail(42))).toBe(true)
    expect(isListKeyOf(['orders', 42, { page: 2 }], ['orders', '42'])).toBe(true)
    expect(keysOverlap(keys.detail(42), ['orders', '42', 'items'])).toBe(true)
    expect(isDetailKey(['orders', 42], 'orders', '42')).toBe(true)
    expect(isDetailKey(['orders', '42'], 'orders', 42)).toBe(true)
    expect(isDetailKey(['orders', 42], 'orders', 43)).toBe(false)
  })

  describe('on a QueryClient', () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    afterEach(() => queryClient.clear())

    function watch(queryKey: QueryKey) {
      let calls = 0
      const observer = new QueryObserver(queryClient, {
        queryKey,
        queryFn: async () => ++calls,
        staleTime: Number.POSITIVE_INFINITY,
      })
      observer.subscribe(() => {})
      return () => calls
    }

    it('entityFilters(root, 42) refetches the entity under either spelling, and nothing else', async () => {
      const counts = new Map(
        (
          [['orders', 42], ['orders', '42'], ['orders', 42, 'items'], ['orders', 7], ['orders']] as QueryKey[]
        ).map((key) => [JSON.stringify(key), watch(key)]),
      )
      await new Promise((resolve) => setTimeout(resolve, 10))
      await queryClient.invalidateQueries(entityFilters('orders', '42'))
      const refetched = [...counts].filter(([, calls]) => calls() > 1).map(([key]) => key)
      expect(refetched).toEqual(['["orders",42]', '["orders","42"]', '["orders",42,"items"]'])
    })

    it("the pending-mutation guard and a mutation's remove use the rule", async () => {
      queryClient.setQueryData(['orders', '42'], { id: 42 })
      queryClient.setQueryData(['orders', 7], { id: 7 })
      let finish!: () => void
      const sync = getSyncClient(queryClient)
      const running = sync.mutate({
        request: () => new Promise<void>((resolve) => (finish = resolve)),
        remove: [entityKeys('orders').detail(42)],
      })
      // A hand-written mutation keyed by the number holds refetches of the text key.
      const observer = queryClient.getMutationCache().build(queryClient, {
        mutationKey: ['orders', 42],
        mutationFn: () => new Promise(() => {}),
      })
      void observer.execute(undefined)
      expect(hasPendingMutation(queryClient, ['orders', '42'])).toBe(true)
      expect(hasPendingMutation(queryClient, ['orders', '7'])).toBe(false)
      finish()
      await running
      expect(queryClient.getQueryData(['orders', '42'])).toBeUndefined()
      expect(queryClient.getQueryData(['orders', 7])).toEqual({ id: 7 })
    })
  })
})
