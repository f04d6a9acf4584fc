import { BroadcastProvider, getBroadcastOrigin } from '@pattern-stack/sync-patterns/runtime'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.js'
import { configureClient } from './generated/index.js'
import { ToastProvider } from './toasts.js'
import './styles.css'

// Requests name this tablet's broadcast connection, so it skips the echo of its own changes (its
// mutation hooks refetch what they changed already).
configureClient({ origin: () => getBroadcastOrigin() })

const queryClient = new QueryClient({
  defaultOptions: {
    // Broadcasts keep the cache fresh, so data stays fresh until one says otherwise.
    queries: { staleTime: 60_000, retry: 1 },
    // A tap while offline runs now and fails (its change rolls back, a toast says "You are
    // offline") instead of TanStack's default: pausing silently, with nothing on screen, until the
    // network is back.
    mutations: { networkMode: 'always' },
  },
})

/** The broadcast endpoint of the server that served this page. */
const broadcastUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/ws/broadcast`

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BroadcastProvider url={broadcastUrl}>
        <ToastProvider>
          <App />
        </ToastProvider>
      </BroadcastProvider>
    </QueryClientProvider>
  </StrictMode>,
)
