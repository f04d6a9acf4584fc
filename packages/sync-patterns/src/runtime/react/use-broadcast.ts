import { useContext } from 'react'
import { BroadcastContext, type BroadcastContextValue } from './broadcast-context.js'

/** The broadcast connection of the nearest `BroadcastProvider`: `{ state, subscribe, client }`. */
export function useBroadcast(): BroadcastContextValue {
  const value = useContext(BroadcastContext)
  if (!value) {
    throw new Error(
      'useBroadcast() must be used inside <BroadcastProvider url="..."> (none found above this component)',
    )
  }
  return value
}
