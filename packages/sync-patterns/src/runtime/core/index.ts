export * from '../optimistic/index.js'
export { type BackoffOptions, backoffDelay } from './backoff.js'
export { BroadcastClient, type BroadcastClientOptions } from './broadcast-client.js'
export {
  type BroadcastInvalidation,
  type BroadcastInvalidationOptions,
  createBroadcastInvalidation,
} from './broadcast-invalidation.js'
export {
  broadcastOriginHeaders,
  getBroadcastOrigin,
  ORIGIN_HEADER,
  withBroadcastOrigin,
} from './broadcast-origin.js'
export { getBroadcastClient, initBroadcast, setBroadcastClient } from './broadcast-singleton.js'
export {
  getInvalidationScheduler,
  InvalidationScheduler,
  type InvalidationSchedulerOptions,
  type KeyMatch,
} from './invalidation-scheduler.js'
export { hasPendingMutation } from './pending-mutations.js'
export { isKeyUnder, isListKeyOf, keysOverlap } from './query-keys.js'
export type * from './types.js'
