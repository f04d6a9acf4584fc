// `@pattern-stack/backend-patterns/broadcast/redis`: the Redis pub/sub engine, on its own subpath
// so that `/broadcast` (the in-memory path) needs neither ioredis nor its types.
export { RedisBroadcastEngine, type RedisBroadcastEngineOptions } from './redis-engine.js'
