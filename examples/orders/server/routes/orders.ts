import { operationXSync } from '@pattern-stack/backend-patterns/openapi'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import {
  ListOrdersQuery,
  Order,
  OrderCreate,
  type OrderCreateInput,
  OrderParams,
  OrderTransition,
  type OrderTransitionInput,
  OrderUpdate,
  type OrderUpdateInput,
} from '../schemas/order.js'
import { described, ref } from '../schemas/ref.js'
import type { OrderState } from '../services/order-pattern.js'
import type { OrderService } from '../services/order-service.js'
import { orderSync } from '../sync.js'
import { MutationHeaders, NoContent, PostHeaders, problemResponses, requestMeta } from './common.js'

type IdParams = { id: string }

/** /orders and /orders/{id}: the Order entity (its items live in order-items.ts). */
export const orderRoutes: FastifyPluginAsync<{ orders: OrderService }> = async (app, { orders }) => {
  const config = { xSync: orderSync }
  const tags = ['orders']

  app.get<{ Querystring: { status?: OrderState } }>(
    '/orders',
    {
      config,
      schema: {
        operationId: 'listOrders',
        tags,
        summary: 'List orders, newest first, optionally of one status',
        querystring: ListOrdersQuery,
        response: {
          200: Type.Array(ref(Order), { description: 'The orders, newest first' }),
          ...problemResponses(400),
        },
      },
    },
    (request) => orders.list(request.query.status),
  )

  app.post<{ Body: OrderCreateInput }>(
    '/orders',
    {
      config,
      schema: {
        operationId: 'createOrder',
        tags,
        summary: 'Create an order (status draft), optionally with a client-generated id and items',
        // What the server fills in, so a generated optimistic row shows it before the answer.
        ...operationXSync({ serverDefaults: { status: 'draft', total: 0 } }),
        headers: PostHeaders,
        body: ref(OrderCreate),
        response: { 201: described(ref(Order), 'The created order'), ...problemResponses(400, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await orders.create(requestMeta(request), request.body)),
  )

  app.get<{ Params: IdParams }>(
    '/orders/:id',
    {
      config,
      schema: {
        operationId: 'getOrder',
        tags,
        summary: 'Get one order with its items',
        params: OrderParams,
        response: { 200: described(ref(Order), 'The order with its items'), ...problemResponses(400, 404) },
      },
    },
    (request) => orders.get(request.params.id),
  )

  app.patch<{ Params: IdParams; Body: OrderUpdateInput }>(
    '/orders/:id',
    {
      config,
      schema: {
        operationId: 'updateOrder',
        tags,
        summary: 'Change contact or notes; `version` must be current (optimistic locking)',
        params: OrderParams,
        headers: MutationHeaders,
        body: ref(OrderUpdate),
        response: {
          200: described(ref(Order), 'The updated order (version incremented)'),
          ...problemResponses(400, 404, 409, 422),
        },
      },
    },
    (request) => orders.update(requestMeta(request), request.params.id, request.body),
  )

  app.delete<{ Params: IdParams }>(
    '/orders/:id',
    {
      config,
      schema: {
        operationId: 'deleteOrder',
        tags,
        summary: 'Delete an order and its items',
        params: OrderParams,
        headers: MutationHeaders,
        response: { 204: NoContent, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      await orders.delete(requestMeta(request), request.params.id)
      return reply.code(204).send()
    },
  )

  app.post<{ Params: IdParams; Body: OrderTransitionInput }>(
    '/orders/:id/transition',
    {
      config,
      schema: {
        operationId: 'transitionOrder',
        tags,
        summary: 'Move the order to another status; illegal transitions get 409 naming the allowed ones',
        params: OrderParams,
        headers: PostHeaders,
        body: ref(OrderTransition),
        response: {
          200: described(ref(Order), 'The order in its new status'),
          ...problemResponses(400, 404, 409, 422),
        },
      },
    },
    (request) => orders.transition(requestMeta(request), request.params.id, request.body),
  )
}
