import { Contact, ContactCreate, ContactUpdate } from './contact.js'
import { MenuItem } from './menu.js'
import {
  Order,
  OrderCreate,
  OrderItem,
  OrderItemCreate,
  OrderStatus,
  OrderTransition,
  OrderUpdate,
} from './order.js'
import { Problem, ProblemFieldError } from './problem.js'

/** Every named schema: registered with `app.addSchema`, emitted as `#/components/schemas/<$id>`. */
export const COMPONENT_SCHEMAS = [
  OrderStatus,
  OrderItem,
  OrderItemCreate,
  Order,
  OrderCreate,
  OrderUpdate,
  OrderTransition,
  Contact,
  ContactCreate,
  ContactUpdate,
  MenuItem,
  ProblemFieldError,
  Problem,
]
