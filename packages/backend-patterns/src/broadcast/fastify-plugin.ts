import { ORIGIN_HEADER } from '@pattern-stack/sync-protocol'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { AttachOptions, WebSocketBroadcastBackend } from './backend.js'

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The broadcast connection this request's `X-Broadcast-Origin` proves (`backend.verifyOrigin`),
     * or `undefined`: what to pass as a broadcast's `origin`.
     */
    readonly broadcastOrigin: string | undefined
  }
}

export interface BroadcastPluginOptions extends AttachOptions {
  backend: WebSocketBroadcastBackend
}

/**
 * Fastify plugin serving `backend` on `fastify.server` (the spec's
 * `app.include_router(backend.get_router())`). The backend closes with Fastify, before the HTTP
 * server (a `preClose` hook: the server's close waits for every upgraded socket to end). Requests
 * get `request.broadcastOrigin`: the connection their `X-Broadcast-Origin` proves, or `undefined`.
 */
const plugin: FastifyPluginAsync<BroadcastPluginOptions> = async (fastify, options) => {
  const { backend, path } = options
  if (!backend || typeof backend.attach !== 'function') {
    throw new TypeError('broadcastPlugin needs { backend: WebSocketBroadcastBackend }')
  }
  backend.attach(fastify.server, path === undefined ? {} : { path })
  const header = ORIGIN_HEADER.toLowerCase()
  fastify.decorateRequest('broadcastOrigin', {
    getter(this: { headers: Record<string, unknown> }) {
      return backend.verifyOrigin(this.headers[header])
    },
  })
  fastify.addHook('preClose', async () => {
    await backend.close()
  })
}

export const broadcastPlugin = fp(plugin, {
  fastify: '5.x',
  name: '@pattern-stack/backend-patterns/broadcast',
})
