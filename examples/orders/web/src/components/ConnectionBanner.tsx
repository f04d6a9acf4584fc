import { useBroadcast } from '@pattern-stack/sync-patterns/runtime'
import { useEffect, useState } from 'react'

const MESSAGES = {
  connecting: 'Connecting to live updates…',
  reconnecting: 'Reconnecting… changes from other tablets will appear once the connection is back.',
  disconnected: 'Disconnected from live updates: this tablet may show old data.',
} as const

/** Tells the user when other tablets' changes may not be reaching this one. Hidden when connected. */
export function ConnectionBanner() {
  const { state, client } = useBroadcast()
  // The client starts out 'disconnected' until the provider connects it: that is not an outage.
  const [started, setStarted] = useState(state !== 'disconnected')
  useEffect(() => {
    if (state !== 'disconnected') setStarted(true)
  }, [state])

  if (state === 'connected') return null
  const shown = state === 'disconnected' && !started ? 'connecting' : state
  return (
    <div
      className={`banner banner-${shown}`}
      role="status"
      data-testid="connection-banner"
      data-state={shown}
    >
      <span>{MESSAGES[shown]}</span>
      {shown === 'disconnected' && (
        <button type="button" onClick={() => client.connect()}>
          Try again
        </button>
      )}
    </div>
  )
}
