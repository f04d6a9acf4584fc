import { shortId, statusLabel } from '../format.js'
import { type Order, useOrders, useTransitionOrder } from '../generated/index.js'
import { failureMessage, reasonOf } from '../httpStatus.js'
import { KITCHEN_COLUMNS, NEXT_STEP } from '../kitchenFlow.js'
import { ticketLines } from '../ticketLines.js'
import { useToast } from '../toasts.js'

/** The live queue: one column per kitchen status, oldest order first, following every transition. */
export function KitchenDisplay() {
  const orders = useOrders()
  const transition = useTransitionOrder()
  const toast = useToast()

  const advance = async (order: Order) => {
    const step = NEXT_STEP[order.status]
    if (!step) return
    try {
      await transition.mutateAsync({ id: order.id, data: { to: step.to } })
    } catch (error) {
      toast.show('error', failureMessage(`Could not move order #${shortId(order.id)}`, error))
    }
  }

  // A failed refetch (server down) keeps the last data: keep showing it; the banner says why.
  if (orders.data === undefined) {
    return orders.isError ? (
      <p role="alert">Could not load the queue: {reasonOf(orders.error)}</p>
    ) : (
      <p className="muted">Loading the queue…</p>
    )
  }

  const byAge = [...orders.data].sort((a, b) => a.created_at.localeCompare(b.created_at))
  return (
    <section aria-labelledby="kitchen-heading">
      <h2 id="kitchen-heading">Kitchen</h2>
      <div className="kitchen">
        {KITCHEN_COLUMNS.map((status) => {
          const column = byAge.filter((order) => order.status === status)
          return (
            <section
              key={status}
              className="kitchen-column"
              aria-labelledby={`col-${status}`}
              data-testid={`kitchen-${status}`}
            >
              <h3 id={`col-${status}`}>
                {statusLabel(status)} <span className="count">{column.length}</span>
              </h3>
              {column.map((order) => {
                const step = NEXT_STEP[order.status]
                return (
                  <article
                    key={order.id}
                    className="kitchen-card"
                    data-order-id={order.id}
                    data-testid="kitchen-card"
                  >
                    <h4>#{shortId(order.id)}</h4>
                    {order.notes ? <p className="notes">{order.notes}</p> : null}
                    <ul>
                      {ticketLines(order.items, undefined).map((line) => (
                        <li key={line.key}>
                          {line.quantity} × {line.name}
                        </li>
                      ))}
                    </ul>
                    {step && (
                      <button
                        type="button"
                        aria-label={`${step.label}: order ${shortId(order.id)}`}
                        onClick={() => advance(order)}
                      >
                        {step.label}
                      </button>
                    )}
                  </article>
                )
              })}
            </section>
          )
        })}
      </div>
    </section>
  )
}
