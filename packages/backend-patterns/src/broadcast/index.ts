export {
  type AttachOptions,
  type BroadcastOptions,
  WebSocketBroadcastBackend,
} from './backend.js'
export type { BroadcastEngine, DeliverFrame, RequestResync } from './engine.js'
export type { EngineLogger } from './engine-logger.js'
export { type BroadcastPluginOptions, broadcastPlugin } from './fastify-plugin.js'
export { MemoryBroadcastEngine } from './memory-engine.js'
export type {
  BroadcastConnectionInfo,
  BroadcastLogger,
  WebSocketBroadcastBackendOptions,
} from './options.js'
export {
  notifyInTransaction,
  notifyStatement,
  POSTGRES_MAX_NOTIFY_PAYLOAD_BYTES,
  postgresChannelName,
  type SqlExecutor,
} from './postgres-channel.js'
export { PostgresBroadcastEngine, type PostgresBroadcastEngineOptions } from './postgres-engine.js'
export type { ReconnectBackoff } from './reconnect-backoff.js'
export { RedisBroadcastEngine, type RedisBroadcastEngineOptions } from './redis-engine.js'
