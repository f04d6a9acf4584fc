export { ApiError, isApiError, parseRetryAfter } from './ApiError.js'
export {
  type ApiConfig,
  type ApiRequest,
  apiRequest,
  buildPath,
  buildQuery,
  createApiConfig,
  type QueryValue,
  type RequestOptions,
} from './apiRequest.js'
export {
  addChildPatch,
  type ChildPatchTarget,
  createEntityPatch,
  deleteEntityPatch,
  type EntityCacheShape,
  isDetailKey,
  isListKey,
  removeChildPatch,
  updateChildPatch,
  updateEntityPatch,
} from './entityPatches.js'
export { getOptimisticRegistry, type OptimisticPatch, OptimisticRegistry } from './OptimisticRegistry.js'
export {
  entityFilters,
  listFilters,
  listQueryKey,
  type MutationHookOptions,
  type OptimisticRowOptions,
  pickFields,
} from './queryKeys.js'
export { randomUUID } from './randomUUID.js'
export { isRetryable, type OptimisticMutation, runOptimisticMutation } from './runOptimisticMutation.js'
export { temporaryNumberId } from './temporaryId.js'
