// `@pattern-stack/backend-patterns/broadcast`: the backend, the engine interface, the in-memory
// engine and the base of pub/sub engines. Nothing here needs pg, ioredis or fastify: the Redis and
// Postgres engines are on `/broadcast/redis` and `/broadcast/postgres`, the Fastify plugin on
// `/broadcast/fastify`.
export type { Logger } from '@pattern-stack/sync-protocol'
export {
  type AttachOptions,
  type BroadcastOptions,
  WebSocketBroadcastBackend,
} from './backend.js'
export type { BroadcastEngine, DeliverFrame, RequestResync } from './engine.js'
export type { BroadcastHistory, ChannelPosition } from './history.js'
export { MemoryBroadcastEngine } from './memory-engine.js'
export type { BroadcastConnectionInfo, WebSocketBroadcastBackendOptions } from './options.js'
export { MIN_ORIGIN_SECRET_BYTES, OriginTokens } from './origin-token.js'
export { PubSubBroadcastEngine, type PubSubEngineSettings } from './pub-sub-engine.js'
export type { ReconnectBackoff } from './reconnect-backoff.js'
