// `@pattern-stack/backend-patterns/broadcast/fastify`: the backend as a Fastify plugin, on its own
// subpath so that `/broadcast` (usable with any Node http.Server) needs neither fastify nor its types.
export { type BroadcastPluginOptions, broadcastPlugin } from './fastify-plugin.js'
