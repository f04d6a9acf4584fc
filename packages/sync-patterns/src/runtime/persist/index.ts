export {
  type PersistedQueryCache,
  type PersistQueryCacheOptions,
  persistQueryCache,
} from './persist-query-cache.js'
