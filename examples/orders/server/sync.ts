import { declareSync } from '@pattern-stack/backend-patterns/openapi'

/**
 * The x-sync declarations: each is both the path-level `x-sync` in /openapi.json and the list of
 * broadcasts its routes may send at run time (anything else throws and rolls back).
 */
export const orderSync = declareSync({
  channel: 'order',
  events: ['created', 'updated', 'deleted', 'item_added', 'item_removed', 'status_changed'],
  localFirst: true,
})

export const contactSync = declareSync({
  channel: 'contact',
  events: ['created', 'updated', 'deleted'],
  localFirst: true,
})
