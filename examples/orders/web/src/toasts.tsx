import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react'

export interface Toast {
  id: number
  kind: 'error' | 'info'
  message: string
}

interface ToastApi {
  show(kind: Toast['kind'], message: string): void
}

const ToastContext = createContext<ToastApi | null>(null)

/** How long a toast stays on screen unless dismissed. */
const TOAST_MS = 6000

/** Holds the toasts and renders them in a live region, so screen readers announce them. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([])
  const nextId = useRef(1)

  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), [])
  const show = useCallback(
    (kind: Toast['kind'], message: string) => {
      const id = nextId.current++
      setToasts((all) => [...all, { id, kind, message }])
      setTimeout(() => dismiss(id), TOAST_MS)
    },
    [dismiss],
  )
  const api = useMemo(() => ({ show }), [show])

  return (
    <ToastContext.Provider value={api}>
      {children}
      <section className="toasts" aria-label="Notifications" aria-live="assertive">
        {toasts.map((toast) => (
          <div key={toast.id} className={`toast toast-${toast.kind}`} role="alert">
            <span>{toast.message}</span>
            <button type="button" aria-label="Dismiss notification" onClick={() => dismiss(toast.id)}>
              ×
            </button>
          </div>
        ))}
      </section>
    </ToastContext.Provider>
  )
}

export function useToast(): ToastApi {
  const api = useContext(ToastContext)
  if (!api) throw new Error('useToast must be used inside <ToastProvider>')
  return api
}
