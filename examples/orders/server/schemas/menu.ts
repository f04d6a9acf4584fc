import { type Static, Type } from '@sinclair/typebox'
import { Uuid } from './ref.js'

export const MenuItem = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    category: Type.String(),
    price: Type.Integer({ minimum: 0, description: 'Integer cents.' }),
  },
  { $id: 'MenuItem', additionalProperties: false },
)

export type MenuItemJson = Static<typeof MenuItem>
