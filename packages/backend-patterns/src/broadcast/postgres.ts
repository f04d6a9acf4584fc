// `@pattern-stack/backend-patterns/broadcast/postgres`: the Postgres LISTEN/NOTIFY engine, on its
// own subpath so that `/broadcast` (the in-memory path) needs neither pg nor its types.
export {
  POSTGRES_MAX_IDENTIFIER_BYTES,
  POSTGRES_MAX_NOTIFY_PAYLOAD_BYTES,
  postgresChannelName,
} from './postgres-channel.js'
export { PostgresBroadcastEngine, type PostgresBroadcastEngineOptions } from './postgres-engine.js'
