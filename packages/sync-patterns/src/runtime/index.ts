export { BroadcastContext, type BroadcastContextValue } from './BroadcastContext.js'
export { BroadcastProvider, type BroadcastProviderProps } from './BroadcastProvider.js'
export * from './core/index.js'
export {
  type PersistedQueryCache,
  type PersistQueryCacheOptions,
  persistQueryCache,
} from './persistQueryCache.js'
export { installSameFrameUpdates } from './sameFrameUpdates.js'
export { useBroadcast } from './useBroadcast.js'
export { type UseBroadcastInvalidationOptions, useBroadcastInvalidation } from './useBroadcastInvalidation.js'
export { useBroadcastState } from './useBroadcastState.js'
