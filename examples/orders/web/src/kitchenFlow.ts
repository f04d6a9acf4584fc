import type { Order } from './generated/index.js'

type Status = Order['status']

/**
 * How orders move through the kitchen: the columns of the Kitchen Display and the one-tap action
 * that moves an order on. The server's Order state machine has the final word (it refuses the rest).
 */
export const KITCHEN_COLUMNS: readonly Status[] = ['submitted', 'preparing', 'ready']

export const NEXT_STEP: Partial<Record<Status, { to: Status; label: string }>> = {
  submitted: { to: 'preparing', label: 'Start preparing' },
  preparing: { to: 'ready', label: 'Mark ready' },
  ready: { to: 'served', label: 'Mark served' },
}
