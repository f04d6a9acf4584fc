import { defineEventPattern } from '@pattern-stack/backend-patterns/events'

export const ORDER_STATES = ['draft', 'submitted', 'preparing', 'ready', 'served', 'cancelled'] as const
export type OrderState = (typeof ORDER_STATES)[number]

/** The spec's Order lifecycle: draft → submitted → preparing → ready → served; cancelled from any state but served. */
export const orderPattern = defineEventPattern<OrderState>({
  entity: 'order',
  channel: 'order',
  states: ORDER_STATES,
  initial: 'draft',
  transitions: {
    draft: ['submitted', 'cancelled'],
    submitted: ['preparing', 'cancelled'],
    preparing: ['ready', 'cancelled'],
    ready: ['served', 'cancelled'],
    served: [],
    cancelled: [],
  },
})
