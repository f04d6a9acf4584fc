import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { NO_SYNC, SyncDeclaration, type XSyncExtension } from './sync-declaration.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's sync declaration: emitted as path-level `x-sync` and enforced on broadcasts. */
    xSync?: SyncDeclaration
  }
}

/** Fastify's `/orders/:id` as OpenAPI's `/orders/{id}`. */
export function openApiPath(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

/**
 * Collects every route's `config.xSync` and writes it into the OpenAPI document. Register
 * `xSync.plugin` before the routes and pass `xSync.transformObject` to `@fastify/swagger`:
 *
 * ```ts
 * const xSync = createXSync()
 * await app.register(xSync.plugin)
 * await app.register(swagger, { openapi: { openapi: '3.1.0', ... }, transformObject: xSync.transformObject })
 * ```
 */
export function createXSync() {
  const byPath = new Map<string, SyncDeclaration>()

  const plugin: FastifyPluginAsync = fp(
    async (app) => {
      app.addHook('onRoute', (route) => {
        const declaration = route.config?.xSync
        if (declaration === undefined) return
        if (!(declaration instanceof SyncDeclaration)) {
          throw new TypeError(`${route.method} ${route.url}: config.xSync must come from declareSync()`)
        }
        const path = openApiPath(route.url)
        const existing = byPath.get(path)
        if (
          existing &&
          JSON.stringify(existing.toExtension()) !== JSON.stringify(declaration.toExtension())
        ) {
          throw new TypeError(
            `${path}: routes on one path must share one x-sync declaration (x-sync is a path-level key); ` +
              `got channel "${existing.channel}" and "${declaration.channel}"`,
          )
        }
        byPath.set(path, declaration)
      })
    },
    { name: 'x-sync', fastify: '5.x' },
  )

  /** `@fastify/swagger`'s `transformObject`: adds `x-sync` to each declared path item (OpenAPI 3 documents). */
  function transformObject(documentObject: { openapiObject: object } | { swaggerObject: object }) {
    if (!('openapiObject' in documentObject)) return documentObject.swaggerObject as never
    const document = documentObject.openapiObject as { paths?: Record<string, Record<string, unknown>> }
    for (const [path, declaration] of byPath) {
      const item = document.paths?.[path]
      if (item) item['x-sync'] = declaration.toExtension()
    }
    return documentObject.openapiObject as never
  }

  /** Declarations by OpenAPI path, as collected so far. */
  function declarations(): ReadonlyMap<string, XSyncExtension> {
    return new Map([...byPath].map(([path, declaration]) => [path, declaration.toExtension()]))
  }

  return { plugin, transformObject, declarations }
}

/** The allowance of the route serving `request`: its x-sync declaration, or one that refuses every broadcast. */
export function syncOf(request: FastifyRequest): SyncDeclaration | typeof NO_SYNC {
  return request.routeOptions.config.xSync ?? NO_SYNC
}
