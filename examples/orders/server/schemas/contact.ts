import { type Static, Type } from '@sinclair/typebox'
import { Nullable, Text, Timestamp, Uuid, Version } from './ref.js'

const Name = () => Text({ minLength: 1, maxLength: 200 })
const Email = () => Nullable(Type.String({ format: 'email', maxLength: 320 }))
const Phone = () => Nullable(Text({ maxLength: 40 }))

export const Contact = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    email: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    version: Type.Integer({ minimum: 1 }),
    created_at: Timestamp('When the contact was created.'),
    updated_at: Timestamp('When the contact last changed.'),
  },
  { $id: 'Contact', additionalProperties: false },
)

export const ContactCreate = Type.Object(
  {
    id: Type.Optional(Uuid('Client-generated id; a duplicate gets 409.')),
    name: Name(),
    email: Type.Optional(Email()),
    phone: Type.Optional(Phone()),
  },
  { $id: 'ContactCreate', additionalProperties: false },
)

export const ContactUpdate = Type.Object(
  {
    version: Type.Optional(Version('When given, a stale version gets 409; without it, last write wins.')),
    name: Type.Optional(Name()),
    email: Type.Optional(Email()),
    phone: Type.Optional(Phone()),
  },
  { $id: 'ContactUpdate', additionalProperties: false },
)

export const ContactParams = Type.Object({ id: Uuid('Contact id.') }, { additionalProperties: false })

export type ContactJson = Static<typeof Contact>
export type ContactCreateInput = Static<typeof ContactCreate>
export type ContactUpdateInput = Static<typeof ContactUpdate>
