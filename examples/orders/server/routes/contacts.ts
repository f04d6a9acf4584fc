import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import {
  Contact,
  ContactCreate,
  type ContactCreateInput,
  ContactParams,
  ContactUpdate,
  type ContactUpdateInput,
} from '../schemas/contact.js'
import { described, ref } from '../schemas/ref.js'
import type { ContactService } from '../services/contact-service.js'
import { contactSync } from '../sync.js'
import { MutationHeaders, NoContent, PostHeaders, problemResponses, requestMeta } from './common.js'

/** CRUD on /contacts, broadcasting on the `contact` channel. */
export const contactRoutes: FastifyPluginAsync<{ contacts: ContactService }> = async (app, { contacts }) => {
  const config = { xSync: contactSync }
  const tags = ['contacts']

  app.get(
    '/contacts',
    {
      config,
      schema: {
        operationId: 'listContacts',
        tags,
        summary: 'List contacts by name',
        response: { 200: Type.Array(ref(Contact), { description: 'The contacts by name' }) },
      },
    },
    () => contacts.list(),
  )

  app.post<{ Body: ContactCreateInput }>(
    '/contacts',
    {
      config,
      schema: {
        operationId: 'createContact',
        tags,
        summary: 'Create a contact, optionally with a client-generated id',
        headers: PostHeaders,
        body: ref(ContactCreate),
        response: { 201: described(ref(Contact), 'The created contact'), ...problemResponses(400, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await contacts.create(requestMeta(request), request.body)),
  )

  app.get<{ Params: { id: string } }>(
    '/contacts/:id',
    {
      config,
      schema: {
        operationId: 'getContact',
        tags,
        summary: 'Get one contact',
        params: ContactParams,
        response: { 200: described(ref(Contact), 'The contact'), ...problemResponses(400, 404) },
      },
    },
    (request) => contacts.get(request.params.id),
  )

  app.patch<{ Params: { id: string }; Body: ContactUpdateInput }>(
    '/contacts/:id',
    {
      config,
      schema: {
        operationId: 'updateContact',
        tags,
        summary: 'Change a contact; last write wins unless `version` is sent',
        params: ContactParams,
        headers: MutationHeaders,
        body: ref(ContactUpdate),
        response: {
          200: described(ref(Contact), 'The updated contact'),
          ...problemResponses(400, 404, 409, 422),
        },
      },
    },
    (request) => contacts.update(requestMeta(request), request.params.id, request.body),
  )

  app.delete<{ Params: { id: string } }>(
    '/contacts/:id',
    {
      config,
      schema: {
        operationId: 'deleteContact',
        tags,
        summary: 'Delete a contact that no order uses',
        params: ContactParams,
        headers: MutationHeaders,
        response: { 204: NoContent, ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      await contacts.delete(requestMeta(request), request.params.id)
      return reply.code(204).send()
    },
  )
}
