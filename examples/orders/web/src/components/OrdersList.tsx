import { formatCents, plural, shortId, statusLabel } from '../format.js'
import { useCreateOrder, useOrders } from '../generated/index.js'
import { failureMessage, reasonOf } from '../httpStatus.js'
import { hrefFor, navigate } from '../routing.js'
import { itemCount } from '../ticketLines.js'
import { useToast } from '../toasts.js'

/** Every order, newest first, with a button to start a new one. */
export function OrdersList() {
  const orders = useOrders()
  const createOrder = useCreateOrder()
  const toast = useToast()

  const startOrder = async () => {
    try {
      const created = await createOrder.mutateAsync({})
      navigate({ view: 'entry', orderId: created.id })
    } catch (error) {
      toast.show('error', failureMessage('Could not create the order', error))
    }
  }

  return (
    <section aria-labelledby="orders-heading">
      <div className="section-head">
        <h2 id="orders-heading">Orders</h2>
        <button type="button" className="primary" onClick={startOrder} disabled={createOrder.isPending}>
          {createOrder.isPending ? 'Creating…' : 'New order'}
        </button>
      </div>
      {orders.isPending && <p className="muted">Loading orders…</p>}
      {orders.isError && orders.data === undefined && (
        <p role="alert">Could not load orders: {reasonOf(orders.error)}</p>
      )}
      {orders.data && orders.data.length === 0 && <p className="muted">No orders yet.</p>}
      <ul className="order-list">
        {orders.data?.map((order) => (
          <li key={order.id} className="order-row" data-testid="order-row" data-order-id={order.id}>
            <span className="order-ref">#{shortId(order.id)}</span>
            <span className={`status status-${order.status}`}>{statusLabel(order.status)}</span>
            <span>{plural(itemCount(order.items), 'item')}</span>
            <span>{formatCents(order.total)}</span>
            <span className="row-actions">
              <a
                href={hrefFor({ view: 'entry', orderId: order.id })}
                aria-label={`Add items to order ${shortId(order.id)}`}
              >
                Add items
              </a>
              <a
                href={hrefFor({ view: 'edit', orderId: order.id })}
                aria-label={`Edit order ${shortId(order.id)}`}
              >
                Edit
              </a>
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}
