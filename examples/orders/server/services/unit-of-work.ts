import type { RunOptions, TransactionOf, UnitOfWork } from '@pattern-stack/backend-patterns/events'
import type { OrdersDb } from '../db/client.js'

export type OrdersUnitOfWork = UnitOfWork<OrdersDb>
export type Tx = TransactionOf<OrdersDb>
/** Reads work on the db or inside a transaction. */
export type Executor = OrdersDb | Tx
/** What a route passes to a service about the request: origin, actor and its x-sync allowance. */
export type RequestMeta = RunOptions

/** Postgres unique_violation (23505), also when Drizzle wraps the driver error. */
export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; current && depth < 5; depth++) {
    if ((current as { code?: unknown }).code === '23505') return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}
