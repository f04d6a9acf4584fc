import { declareSync, NO_SYNC, UndeclaredBroadcastError } from '@pattern-stack/backend-patterns/openapi'
import { describe, expect, it } from 'vitest'

describe('declareSync', () => {
  const order = declareSync({
    channel: 'order',
    events: ['created', 'updated', 'deleted', 'item_added', 'item_removed'],
  })

  it('renders the spec §1.3 x-sync object', () => {
    expect(order.toExtension()).toEqual({
      local_first: true,
      broadcast: {
        channel: 'order',
        events: ['created', 'updated', 'deleted', 'item_added', 'item_removed'],
      },
    })
    expect(declareSync({ channel: 'c', events: ['x'], localFirst: false }).toExtension().local_first).toBe(
      false,
    )
  })

  it("adds version_field, the entity's version property for the generator, when declared", () => {
    expect(order.toExtension()).not.toHaveProperty('version_field')
    expect(
      declareSync({ channel: 'doc', events: ['updated'], versionField: 'revision' }).toExtension(),
    ).toEqual({
      local_first: true,
      broadcast: { channel: 'doc', events: ['updated'] },
      version_field: 'revision',
    })
    expect(() => declareSync({ channel: 'doc', events: ['updated'], versionField: 'a b' })).toThrow(
      'x-sync for channel "doc": versionField "a b" must be a property name',
    )
  })

  it('allows exactly the declared channel and events', () => {
    expect(order.allows('order', 'item_added')).toBe(true)
    expect(order.allows('order', 'status_changed')).toBe(false)
    expect(order.allows('contact', 'created')).toBe(false)
    expect(() => order.assertAllows('order', 'created')).not.toThrow()
    expect(() => order.assertAllows('order', 'status_changed')).toThrow(
      new UndeclaredBroadcastError(
        'broadcast event "status_changed" on "order" is not declared: x-sync events are created, updated, deleted, item_added, item_removed',
      ),
    )
    expect(() => order.assertAllows('contact', 'created')).toThrow(
      'broadcast on channel "contact" is not declared: this route\'s x-sync channel is "order"',
    )
    expect(() => NO_SYNC.assertAllows('order', 'created')).toThrow(UndeclaredBroadcastError)
  })

  it('refuses a bad declaration, naming the problem', () => {
    expect(() => declareSync({ channel: 'has space', events: ['x'] })).toThrow(
      'x-sync: channel "has space" may only use',
    )
    expect(() => declareSync({ channel: 'order', events: [] })).toThrow('events must be a non-empty array')
    expect(() => declareSync({ channel: 'order', events: ['ItemAdded'] })).toThrow(
      '"ItemAdded" must be snake_case',
    )
    expect(() => declareSync({ channel: 'order', events: ['a', 'a'] })).toThrow('events repeat a name')
  })

  it('refuses an event name the encoder would refuse (so no route can commit an unsendable broadcast)', () => {
    expect(() => declareSync({ channel: 'order', events: ['a'.repeat(129)] })).toThrow(
      'x-sync for channel "order": event must be a non-empty string of at most 128 characters, got 129 characters',
    )
    expect(declareSync({ channel: 'order', events: ['a'.repeat(128)] }).events).toHaveLength(1)
  })

  it('cannot be changed after declaration', () => {
    expect(() => (order.events as string[]).push('sneaky')).toThrow()
    expect(order.toExtension().broadcast.events).not.toContain('sneaky')
  })
})
