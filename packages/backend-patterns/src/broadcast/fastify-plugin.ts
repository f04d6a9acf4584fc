import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { AttachOptions, WebSocketBroadcastBackend } from './backend.js'

export interface BroadcastPluginOptions extends AttachOptions {
  backend: WebSocketBroadcastBackend
}

/**
 * Fastify plugin serving `backend` on `fastify.server` (the spec's
 * `app.include_router(backend.get_router())`). The backend closes with Fastify, before the HTTP
 * server (a `preClose` hook: the server's close waits for every upgraded socket to end).
 */
const plugin: FastifyPluginAsync<BroadcastPluginOptions> = async (fastify, options) => {
  const { backend, path } = options
  if (!backend || typeof backend.attach !== 'function') {
    throw new TypeError('broadcastPlugin needs { backend: WebSocketBroadcastBackend }')
  }
  backend.attach(fastify.server, path === undefined ? {} : { path })
  fastify.addHook('preClose', async () => {
    await backend.close()
  })
}

export const broadcastPlugin = fp(plugin, {
  fastify: '5.x',
  name: '@pattern-stack/backend-patterns/broadcast',
})
