import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GeneratorError, generateFiles } from '../src/index.js'

// The operation-level `x-sync.server_defaults` hint: what a created row shows for the fields the
// server fills in, and a pointed refusal when it names a field the row does not have.

const tmp = mkdtempSync(join(tmpdir(), 'sync-patterns-server-defaults-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function ticketsSpec(serverDefaults: unknown) {
  const ticket = {
    type: 'object',
    required: ['id', 'title', 'state', 'score'],
    properties: {
      id: { type: 'integer' },
      title: { type: 'string' },
      state: { type: 'string', enum: ['new', 'open', 'closed'] },
      score: { type: 'integer', minimum: 1 },
    },
  }
  const body = { type: 'object', required: ['title'], properties: { title: { type: 'string' } } }
  const json = (schema: unknown) => ({ content: { 'application/json': { schema } } })
  const ref = { $ref: '#/components/schemas/Ticket' }
  return {
    openapi: '3.1.0',
    info: { title: 'Tickets', version: '1' },
    components: { schemas: { Ticket: ticket, TicketCreate: body } },
    paths: {
      '/tickets': {
        'x-sync': { local_first: true, broadcast: { channel: 'ticket', events: ['created'] } },
        get: { responses: { 200: { description: 'ok', ...json({ type: 'array', items: ref }) } } },
        post: {
          'x-sync': { server_defaults: serverDefaults },
          requestBody: { required: true, ...json({ $ref: '#/components/schemas/TicketCreate' }) },
          responses: { 201: { description: 'created', ...json(ref) } },
        },
      },
    },
  }
}

async function generateTickets(serverDefaults: unknown) {
  const file = join(tmp, `tickets-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, JSON.stringify(ticketsSpec(serverDefaults), null, 2))
  return generateFiles(file)
}

describe('x-sync.server_defaults', () => {
  it('gives the created row the server’s values instead of type placeholders', async () => {
    const hinted = (await generateTickets({ state: 'open' })).files.get('hooks/useTicketMutations.ts')
    expect(hinted).toContain("state: 'open',")
    // Without a hint the row still has every field: the first enum value and the minimum.
    const plain = (await generateTickets(undefined)).files.get('hooks/useTicketMutations.ts')
    expect(plain).toContain("state: 'new',")
    expect(plain).toContain('score: 1,')
    // Number ids: a temporary negative id until the server answers.
    expect(plain).toContain('const optimisticId = temporaryNumberId()')
  })

  it('refuses a field the row does not have, pointing at it', async () => {
    const error = await generateTickets({ colour: 'red' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GeneratorError)
    expect(String((error as Error).message)).toMatch(
      /server_defaults names "colour", which is not a property/,
    )
    expect(String((error as Error).message)).toContain('/paths/~1tickets/post/x-sync/server_defaults/colour')
  })

  it('refuses a value that is not an object', async () => {
    const error = await generateTickets('open').catch((e: unknown) => e)
    expect(String((error as Error).message)).toMatch(/server_defaults must be an object/)
  })
})
