import { usePresence } from '@pattern-stack/sync-patterns/runtime'
import { useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useEffect, useRef, useState } from 'react'
import { shortId, statusLabel } from '../format.js'
import { type Order, orderKeys, useOrder, useUpdateOrder } from '../generated/index.js'
import { failureMessage, httpStatusOf, reasonOf } from '../httpStatus.js'
import { hrefFor, navigate } from '../routing.js'
import { presenceLabel, useTabletName } from '../tabletName.js'
import { useToast } from '../toasts.js'
import { PresenceNotice } from './PresenceNotice.js'

interface Draft {
  notes: string
}

const draftOf = (order: Order): Draft => ({ notes: order.notes ?? '' })

/**
 * Edits an order's details. Auto-refresh is off so another tablet's change cannot overwrite what
 * the user is typing; the server's optimistic lock (`version`) catches the conflict instead, and the
 * user chooses: reload theirs, or overwrite it with this draft. Before that, presence shows who else
 * has the order open, and who is editing it (this tablet counts as editing once its draft differs).
 */
export function OrderEdit({ orderId }: { orderId: string }) {
  const order = useOrder(orderId, { autoRefresh: false })
  const updateOrder = useUpdateOrder()
  const queryClient = useQueryClient()
  const toast = useToast()
  const [draft, setDraft] = useState<Draft | null>(null)
  const [conflict, setConflict] = useState(false)
  // Keyboard and screen-reader users land on the choice as soon as the conflict appears.
  const conflictChoice = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (conflict) conflictChoice.current?.focus()
  }, [conflict])

  useEffect(() => {
    if (order.data && !draft) setDraft(draftOf(order.data))
  }, [order.data, draft])

  const tabletName = useTabletName()
  const dirty = order.data !== undefined && draft !== null && draft.notes !== draftOf(order.data).notes
  const others = usePresence('order', orderId, {
    state: dirty ? 'editing' : 'viewing',
    label: presenceLabel(tabletName),
  })

  const save = async (version: number) => {
    if (!draft) return
    try {
      await updateOrder.mutateAsync({ id: orderId, data: { notes: draft.notes || null }, version })
      setConflict(false)
      toast.show('info', `Order #${shortId(orderId)} saved`)
      navigate({ view: 'orders' })
    } catch (error) {
      if (httpStatusOf(error) === 409) setConflict(true)
      else toast.show('error', failureMessage(`Could not save order #${shortId(orderId)}`, error))
    }
  }

  /** Fetches the order as it is on the server now. */
  const latest = () =>
    queryClient.fetchQuery({ queryKey: orderKeys.detail(orderId), staleTime: 0 }) as Promise<Order>

  const reload = async () => {
    try {
      const fresh = await latest()
      setDraft(draftOf(fresh))
      setConflict(false)
    } catch (error) {
      toast.show('error', failureMessage(`Could not reload order #${shortId(orderId)}`, error))
    }
  }
  const overwrite = async () => {
    try {
      const fresh = await latest()
      await save(fresh.version)
    } catch (error) {
      toast.show('error', failureMessage(`Could not overwrite order #${shortId(orderId)}`, error))
    }
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    if (order.data) void save(order.data.version)
  }

  if (order.data === undefined || !draft) {
    return order.isError ? (
      <p role="alert">Could not load this order: {reasonOf(order.error)}</p>
    ) : (
      <p className="muted">Loading order…</p>
    )
  }

  return (
    <section className="edit" aria-labelledby="edit-heading">
      <h2 id="edit-heading">
        Edit order #{shortId(orderId)}{' '}
        <span className={`status status-${order.data.status}`}>{statusLabel(order.data.status)}</span>
      </h2>
      <p className="muted">Live updates are paused while you edit (version {order.data.version}).</p>
      <PresenceNotice others={others} />
      {conflict && (
        <div className="conflict" role="alertdialog" aria-labelledby="conflict-title" data-testid="conflict">
          <h3 id="conflict-title">Order was modified</h3>
          <p>
            Someone else saved this order while you were editing. Keep their version, or replace it with
            yours?
          </p>
          <div className="actions">
            <button type="button" ref={conflictChoice} onClick={reload}>
              Reload
            </button>
            <button type="button" className="danger" onClick={overwrite}>
              Overwrite
            </button>
          </div>
        </div>
      )}
      <form onSubmit={onSubmit}>
        <label htmlFor="order-notes">Notes</label>
        <textarea
          id="order-notes"
          rows={4}
          value={draft.notes}
          onChange={(event) => setDraft({ ...draft, notes: event.target.value })}
        />
        <div className="actions">
          <button type="submit" className="primary" disabled={updateOrder.isPending}>
            {updateOrder.isPending ? 'Saving…' : 'Save'}
          </button>
          <a href={hrefFor({ view: 'entry', orderId })}>Cancel</a>
        </div>
      </form>
    </section>
  )
}
