import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PGlite } from '@electric-sql/pglite'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import {
  BROADCAST_LOG_DDL,
  type BroadcastTarget,
  drizzleBroadcastHistory,
  outboxDispatch,
  SYSTEM_EVENTS_DDL,
  UnitOfWork,
} from '@pattern-stack/backend-patterns/events'
import { drizzle } from 'drizzle-orm/pglite'

/**
 * The real backend with the broadcast log as its history (PGlite), the unit of work writing the
 * log, and the broadcasts leaving through a target that can lose or delay one on the way.
 * `change(id)` commits one change to an order; `close()` stops everything.
 */
/** What happens to a broadcast on its way from the committing instance to the backend. */
export type Fault = (position: number | undefined) => 'drop' | number | undefined

export async function startHistoryServer(fault: Fault = () => undefined) {
  const client = new PGlite()
  await client.exec(`${SYSTEM_EVENTS_DDL}\n${BROADCAST_LOG_DDL}`)
  const db = drizzle(client)
  const backend = new WebSocketBroadcastBackend({ history: drizzleBroadcastHistory({ db }) })
  const http = createServer()
  backend.attach(http, { path: '/ws/broadcast' })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const close = async () => {
    await backend.close()
    http.closeAllConnections()
    await new Promise<void>((resolve) => http.close(() => resolve()))
    await client.close()
  }
  const target: BroadcastTarget = {
    async broadcast(channel, event, payload, options) {
      const verdict = fault(options?.position)
      if (verdict === 'drop') return // lost on the way: the instance "sent" it, nobody got it
      if (typeof verdict === 'number') await new Promise((resolve) => setTimeout(resolve, verdict))
      return backend.broadcast(channel, event, payload, options)
    },
  }
  const uow = new UnitOfWork({ db, dispatch: outboxDispatch(target, { db }) })
  const change = (id: string) =>
    uow.run({}, (ctx) =>
      ctx.emit({ channel: 'order', entityType: 'order', entityId: id, eventType: 'updated' }),
    )
  const url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws/broadcast`
  return { url, change, backend, close }
}
