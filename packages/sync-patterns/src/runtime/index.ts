export * from './core/index.js'
export { BroadcastContext, type BroadcastContextValue } from './react/broadcast-context.js'
export { BroadcastProvider, type BroadcastProviderProps } from './react/broadcast-provider.js'
export { installSameFrameUpdates } from './react/same-frame-updates.js'
export { useBroadcast } from './react/use-broadcast.js'
export {
  type UseBroadcastInvalidationOptions,
  useBroadcastInvalidation,
} from './react/use-broadcast-invalidation.js'
export { useBroadcastState } from './react/use-broadcast-state.js'
export { useOptimisticMutation } from './react/use-optimistic-mutation.js'
export { type UsePresenceOptions, usePresence } from './react/use-presence.js'
