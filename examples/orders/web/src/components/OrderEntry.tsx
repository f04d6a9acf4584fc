import { randomUUID } from '@pattern-stack/sync-patterns/runtime'
import { useIsMutating, useMutationState } from '@tanstack/react-query'
import { formatCents, shortId, statusLabel } from '../format.js'
import {
  type MenuItem,
  type OrderItemCreate,
  useAddOrderItem,
  useMenuList,
  useOrder,
  useRemoveOrderItem,
  useTransitionOrder,
} from '../generated/index.js'
import { failureMessage, reasonOf } from '../httpStatus.js'
import { hrefFor } from '../routing.js'
import { itemToRemove, type TicketLine, ticketLines, ticketTotal } from '../ticketLines.js'
import { useToast } from '../toasts.js'
import { MenuGrid } from './MenuGrid.js'

/**
 * The till: tap a menu item and it is on the ticket in the same frame (optimistic), while the
 * request runs in the background. A refused request takes just that item back off and says why.
 */
export function OrderEntry({ orderId }: { orderId: string }) {
  const order = useOrder(orderId)
  const menu = useMenuList()
  // The server names and prices a line from the menu: the optimistic line shows the same at once.
  const addItem = useAddOrderItem(orderId, {
    optimistic: (body) => {
      const fromMenu = menu.data?.find((m) => m.id === body.menu_item_id)
      return fromMenu ? { name: fromMenu.name, unit_price: fromMenu.price } : {}
    },
  })
  const removeItem = useRemoveOrderItem(orderId)
  const sendToKitchen = useTransitionOrder()
  const toast = useToast()
  // Every tap is its own mutation: count them all, and mark the rows still waiting for the server.
  const saving = useIsMutating({ mutationKey: ['orders', orderId] })
  const pendingIds = new Set(
    useMutationState({
      filters: { mutationKey: ['orders', orderId], status: 'pending' },
      select: (mutation) => (mutation.state.variables as Partial<OrderItemCreate> | undefined)?.id,
    }),
  )

  const add = (item: MenuItem) => {
    // The client picks the id, so the optimistic row and the saved one are the same row.
    const id = randomUUID()
    addItem
      .mutateAsync({ id, menu_item_id: item.id, quantity: 1 })
      .catch((error) =>
        toast.show(
          'error',
          failureMessage(`Could not add ${item.name} to order #${shortId(orderId)}`, error),
        ),
      )
  }
  // A line stands for several items: a tap removes one of them.
  const remove = (line: TicketLine) => {
    const itemId = itemToRemove(line, pendingIds)
    if (!itemId) return
    removeItem
      .mutateAsync(itemId)
      .catch((error) =>
        toast.show(
          'error',
          failureMessage(`Could not remove ${line.name} from order #${shortId(orderId)}`, error),
        ),
      )
  }
  const submit = () =>
    sendToKitchen
      .mutateAsync({ id: orderId, data: { to: 'submitted' } })
      .catch((error) =>
        toast.show(
          'error',
          failureMessage(`Could not send order #${shortId(orderId)} to the kitchen`, error),
        ),
      )

  // A failed refetch (server down) keeps the last data: keep showing it; the banner says why.
  if (order.data === undefined) {
    return order.isError ? (
      <p role="alert">Could not load this order: {reasonOf(order.error)}</p>
    ) : (
      <p className="muted">Loading order…</p>
    )
  }
  const data = order.data
  const lines = ticketLines(data.items, menu.data)
  // The server changes items only on draft orders: past that, the controls say so instead of failing.
  const editable = data.status === 'draft'

  return (
    <section className="entry" aria-labelledby="entry-heading">
      <div className="section-head">
        <h2 id="entry-heading">
          Order #{shortId(data.id)}{' '}
          <span className={`status status-${data.status}`} data-testid="order-status">
            {statusLabel(data.status)}
          </span>
        </h2>
        <span className="saving" role="status" data-testid="saving-indicator" data-saving={saving > 0}>
          {saving > 0 ? `Saving ${saving}…` : 'All changes saved'}
        </span>
      </div>
      <div className="entry-layout">
        <div>
          {!editable && (
            <p className="note" id="items-locked" data-testid="items-locked">
              This order is {statusLabel(data.status).toLowerCase()}: items can be added or removed only while
              it is a draft.
            </p>
          )}
          {menu.data === undefined &&
            (menu.isError ? (
              <p role="alert">Could not load the menu: {reasonOf(menu.error)}</p>
            ) : (
              <p className="muted">Loading menu…</p>
            ))}
          {menu.data && (
            <MenuGrid
              menu={menu.data}
              onSelect={add}
              disabled={!editable}
              describedBy={editable ? undefined : 'items-locked'}
            />
          )}
        </div>
        <aside className="ticket" aria-labelledby="ticket-heading">
          <h3 id="ticket-heading">Ticket</h3>
          {lines.length === 0 && (
            <p className="muted" id="ticket-empty">
              {editable ? 'Tap a menu item to add it.' : 'No items.'}
            </p>
          )}
          <ul className="ticket-items" data-testid="ticket-items">
            {lines.map((line) => {
              const pending = line.itemIds.some((id) => pendingIds.has(id))
              const removable = editable && itemToRemove(line, pendingIds) !== undefined
              return (
                <li
                  key={line.key}
                  data-testid="ticket-item"
                  data-pending={pending}
                  className={pending ? 'pending' : ''}
                >
                  <span className="item-name">
                    {line.quantity} × {line.name}
                    {pending && <span className="muted"> · saving</span>}
                  </span>
                  <span>{formatCents(line.quantity * line.unitPrice)}</span>
                  <button
                    type="button"
                    className="icon"
                    aria-label={`Remove ${line.name}`}
                    aria-describedby={editable ? undefined : 'items-locked'}
                    title={editable ? undefined : 'Items can be removed only while the order is a draft'}
                    disabled={!removable}
                    onClick={() => remove(line)}
                  >
                    ×
                  </button>
                </li>
              )
            })}
          </ul>
          <p className="ticket-total">
            Total <strong data-testid="ticket-total">{formatCents(ticketTotal(lines))}</strong>
          </p>
          <div className="actions">
            {data.status === 'draft' && (
              <button
                type="button"
                className="primary"
                onClick={submit}
                disabled={lines.length === 0 || sendToKitchen.isPending}
                aria-describedby={lines.length === 0 ? 'ticket-empty' : undefined}
              >
                Send to kitchen
              </button>
            )}
            <a href={hrefFor({ view: 'edit', orderId })}>Edit notes</a>
          </div>
        </aside>
      </div>
    </section>
  )
}
