import type { FastifyPluginAsync } from 'fastify'
import {
  OrderItem,
  OrderItemCreate,
  type OrderItemCreateInput,
  OrderItemParams,
  OrderParams,
} from '../schemas/order.js'
import { described, ref } from '../schemas/ref.js'
import type { OrderService } from '../services/order-service.js'
import { orderSync } from '../sync.js'
import { MutationHeaders, NoContent, PostHeaders, problemResponses, requestMeta } from './common.js'

/** /orders/{id}/items: items of a draft order. Each change recomputes the total and bumps the version. */
export const orderItemRoutes: FastifyPluginAsync<{ orders: OrderService }> = async (app, { orders }) => {
  const config = { xSync: orderSync }
  const tags = ['orders']

  app.post<{ Params: { id: string }; Body: OrderItemCreateInput }>(
    '/orders/:id/items',
    {
      config,
      schema: {
        operationId: 'addOrderItem',
        tags,
        summary: 'Add an item (from the menu, or by name and unit_price) to a draft order',
        params: OrderParams,
        headers: PostHeaders,
        body: ref(OrderItemCreate),
        response: {
          201: described(ref(OrderItem), 'The added item'),
          ...problemResponses(400, 404, 409, 422),
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await orders.addItem(requestMeta(request), request.params.id, request.body)),
  )

  app.delete<{ Params: { id: string; itemId: string } }>(
    '/orders/:id/items/:itemId',
    {
      config,
      schema: {
        operationId: 'removeOrderItem',
        tags,
        summary: 'Remove an item from a draft order',
        params: OrderItemParams,
        headers: MutationHeaders,
        response: { 204: NoContent, ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      await orders.removeItem(requestMeta(request), request.params.id, request.params.itemId)
      return reply.code(204).send()
    },
  )
}
