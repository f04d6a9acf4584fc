export { type BackoffOptions, backoffDelay, entityVersionOf } from '@pattern-stack/sync-protocol'
export { BroadcastClient, type BroadcastClientOptions } from './broadcast-client.js'
export type {
  BroadcastInvalidation,
  BroadcastInvalidationOptions,
  BroadcastSubscriptionOptions,
} from './broadcast-invalidation.js'
export {
  broadcastOriginHeaders,
  getBroadcastOrigin,
  ORIGIN_HEADER,
  withBroadcastOrigin,
} from './broadcast-origin.js'
export { getBroadcastClient, initBroadcast, setBroadcastClient } from './broadcast-singleton.js'
export {
  type CachedDataOrigin,
  type EntityVersionRequirement,
  holdsEntityVersion,
} from './cached-version.js'
export { ApiError, isApiError, parseRetryAfter, type ValidationIssue } from './http/api-error.js'
export {
  type ApiConfig,
  type ApiRequest,
  apiRequest,
  buildPath,
  buildQuery,
  createApiConfig,
  encodeBody,
  type HeaderValue,
  type QueryValue,
  type RequestOptions,
} from './http/api-request.js'
export {
  encodeParamText,
  type ParamStyle,
  type ParamStyleName,
  type ParamStyles,
  serializeCookies,
  serializeHeaderParam,
  serializePathParam,
  serializeQuery,
  serializeQueryParam,
} from './http/serialize-params.js'
export {
  InvalidationScheduler,
  type InvalidationSchedulerOptions,
  type KeyMatch,
  type SchedulerInspectEvent,
} from './invalidation-scheduler.js'
export { consoleLogger, type Logger } from './logger.js'
export {
  addChildPatch,
  type ChildPatchTarget,
  createEntityPatch,
  deleteEntityPatch,
  type EntityCacheShape,
  removeChildPatch,
  updateChildPatch,
  updateEntityPatch,
} from './optimistic/entity-patches.js'
export {
  type MutationHookOptions,
  type OptimisticRowOptions,
  pickFields,
} from './optimistic/mutation-options.js'
export {
  type OptimisticPatch,
  OptimisticRegistry,
  type PendingChangeInfo,
} from './optimistic/optimistic-registry.js'
export { randomUUID } from './optimistic/random-uuid.js'
export {
  isRetryable,
  isUnavailable,
  type OptimisticMutation,
  UNAVAILABLE_RETRIES,
} from './optimistic/run-optimistic-mutation.js'
export { temporaryNumberId } from './optimistic/temporary-id.js'
export { hasPendingMutation } from './pending-mutations.js'
export {
  PresenceClient,
  type PresenceHandle,
  type PresenceListener,
  type PresenceMember,
  type PresenceOptions,
  type PresenceState,
  presenceChannel,
} from './presence-client.js'
export {
  type EntityKeys,
  entityFilters,
  entityIdKey,
  entityKeys,
  isDetailKey,
  isKeyUnder,
  isListKey,
  isListKeyOf,
  keysEqual,
  keysOverlap,
  listFilters,
  listQueryKey,
} from './query-keys.js'
export {
  createBroadcastInvalidation,
  getSyncClient,
  runOptimisticMutation,
  SyncClient,
  type SyncClientOptions,
} from './sync-client.js'
export type {
  BroadcastInspectEvent,
  EnabledInspectEvent,
  InvalidateInspectEvent,
  OptimisticInspectEvent,
  RefetchInspectEvent,
  SyncInspectEvent,
  SyncInspectListener,
} from './sync-inspect.js'
export type { TabLockManager } from './tab-leader.js'
export type * from './types.js'
