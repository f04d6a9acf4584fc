import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { MenuItem } from '../schemas/menu.js'
import { ref } from '../schemas/ref.js'
import type { MenuService } from '../services/menu-service.js'

/** GET /menu: read-only, so no x-sync. */
export const menuRoutes: FastifyPluginAsync<{ menu: MenuService }> = async (app, { menu }) => {
  app.get(
    '/menu',
    {
      schema: {
        operationId: 'getMenu',
        tags: ['menu'],
        summary: 'The menu, by category and name',
        response: { 200: Type.Array(ref(MenuItem), { description: 'The menu' }) },
      },
    },
    () => menu.list(),
  )
}
