import { asc, eq, sql } from 'drizzle-orm'
import { contacts, orders } from '../db/schema.js'
import { notFound, ProblemError } from '../problem.js'
import type { ContactCreateInput, ContactJson, ContactUpdateInput } from '../schemas/contact.js'
import { insertOrDuplicate, refuseDuplicateId } from './duplicate-id.js'
import { contactJson } from './serialize.js'
import type { OrdersUnitOfWork, RequestMeta, Tx } from './unit-of-work.js'

const CHANNEL = 'contact'
const ENTITY = 'contact'

/** Contacts: last write wins by default; a PATCH that sends `version` gets optimistic locking. */
export class ContactService {
  constructor(private readonly uow: OrdersUnitOfWork) {}

  async list(): Promise<ContactJson[]> {
    const rows = await this.uow.db.select().from(contacts).orderBy(asc(contacts.name), asc(contacts.id))
    return rows.map(contactJson)
  }

  async get(id: string): Promise<ContactJson> {
    const [row] = await this.uow.db.select().from(contacts).where(eq(contacts.id, id))
    if (!row) throw notFound('contact', id)
    return contactJson(row)
  }

  async create(meta: RequestMeta, input: ContactCreateInput): Promise<ContactJson> {
    return this.uow.run(meta, async (ctx) => {
      const { tx } = ctx
      if (
        input.id &&
        (await tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.id, input.id))).length
      ) {
        throw refuseDuplicateId('contact', input.id)
      }
      const [row] = await insertOrDuplicate('contact', input.id, () =>
        tx
          .insert(contacts)
          .values({
            ...(input.id ? { id: input.id } : {}),
            name: input.name,
            email: input.email ?? null,
            phone: input.phone ?? null,
          })
          .returning(),
      )
      if (!row) throw new Error('insert returned no contact')
      await ctx.emit({
        channel: CHANNEL,
        entityType: ENTITY,
        entityId: row.id,
        eventType: 'created',
        version: row.version,
      })
      return contactJson(row)
    })
  }

  async update(meta: RequestMeta, id: string, input: ContactUpdateInput): Promise<ContactJson> {
    const fields = Object.keys(input).filter((key) => key !== 'version')
    if (fields.length === 0) {
      throw new ProblemError(422, 'nothing-to-update', 'nothing to update: give name, email and/or phone')
    }
    return this.uow.run(meta, async (ctx) => {
      const current = await lockContact(ctx.tx, id)
      if (input.version !== undefined && input.version !== current.version) {
        throw new ProblemError(
          409,
          'version-conflict',
          `contact ${id} is at version ${current.version}, not ${input.version}: refetch and retry`,
          { current_version: current.version },
        )
      }
      const [row] = await ctx.tx
        .update(contacts)
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.email !== undefined ? { email: input.email } : {}),
          ...(input.phone !== undefined ? { phone: input.phone } : {}),
          version: sql`${contacts.version} + 1`,
          updatedAt: sql`now()`,
        })
        .where(eq(contacts.id, id))
        .returning()
      if (!row) throw new Error('update returned no contact')
      await ctx.emit({
        channel: CHANNEL,
        entityType: ENTITY,
        entityId: id,
        eventType: 'updated',
        payload: { fields },
        version: row.version,
      })
      return contactJson(row)
    })
  }

  async delete(meta: RequestMeta, id: string): Promise<void> {
    await this.uow.run(meta, async (ctx) => {
      await lockContact(ctx.tx, id)
      const [usage] = await ctx.tx
        .select({ n: sql<number>`count(*)::int` })
        .from(orders)
        .where(eq(orders.contactId, id))
      if (usage && usage.n > 0) {
        throw new ProblemError(409, 'contact-in-use', `contact ${id} is the contact of ${usage.n} order(s)`)
      }
      await ctx.tx.delete(contacts).where(eq(contacts.id, id))
      await ctx.emit({ channel: CHANNEL, entityType: ENTITY, entityId: id, eventType: 'deleted' })
    })
  }
}

async function lockContact(tx: Tx, id: string) {
  const [row] = await tx.select().from(contacts).where(eq(contacts.id, id)).for('update')
  if (!row) throw notFound('contact', id)
  return row
}
