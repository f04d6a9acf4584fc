/** The normalized API the emitters work from: entities with classified operations. */

import type { MediaKind } from './media-types.js'
import type { RowRecipe } from './optimistic-rows.js'

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

/** What an operation does to its entity, inferred from its path and method. */
export type OperationRole =
  | 'list' // GET /orders
  | 'get' // GET /orders/{id}
  | 'create' // POST /orders
  | 'update' // PATCH /orders/{id} (or PUT when there is no PATCH)
  | 'replace' // PUT /orders/{id} when PATCH exists too
  | 'delete' // DELETE /orders/{id}
  | 'child-list' // GET /orders/{id}/items
  | 'child-get' // GET /orders/{id}/items/{item_id}
  | 'child-add' // POST /orders/{id}/items
  | 'child-update' // PATCH|PUT /orders/{id}/items/{item_id}
  | 'child-remove' // DELETE /orders/{id}/items/{item_id}
  | 'action' // POST|PUT|PATCH|DELETE /orders/{id}/transition
  | 'query' // any other GET
  | 'mutation' // any other write

/** The optimistic change a mutation hook shows while its request is in flight. */
export type OptimisticKind =
  | 'create'
  | 'update'
  | 'delete'
  | 'add-child'
  | 'update-child'
  | 'remove-child'
  | 'none'

export const optimisticKinds: readonly OptimisticKind[] = [
  'create',
  'update',
  'delete',
  'add-child',
  'update-child',
  'remove-child',
  'none',
]

export interface Param {
  name: string
  /** JS identifier for it. */
  id: string
  required: boolean
  /**
   * `number` for integer/number schemas, the openapi-typescript type for array and object schemas,
   * otherwise `string` (path params only).
   */
  tsType: string
}

/** How one parameter is serialized, when it is not its location's default (OpenAPI `style`, `explode`). */
export interface ParamStyle {
  style?: string
  explode?: boolean
  allowReserved?: boolean
}

/** Per location, the parameters an operation serializes other than by the defaults. */
export type ParamStyles = Partial<Record<'path' | 'query' | 'header' | 'cookie', Record<string, ParamStyle>>>

export interface Body {
  /** TypeScript type name (an alias emitted in the schema file). */
  type: string
  required: boolean
  /** The media type sent (JSON when the operation offers it; see media-types.ts). */
  mediaType: string
  /** How the runtime encodes it: JSON, URLSearchParams, FormData, text or bytes. */
  kind: MediaKind
  /** Top-level property names when the schema is an object with properties. */
  properties: string[] | undefined
  /** The schema admits null (`nullable`, `type: [object, 'null']`): update hooks take its object form. */
  nullable: boolean
  /**
   * A `version` property that is an integer or number: the optimistic-locking version (SYNC-012), which
   * update hooks take as `version`. A `version` of another type (a release label) is an ordinary field.
   */
  lockingVersion: boolean
  /** The chosen media type's schema (the optimistic row reads which fields the body has). */
  schema: unknown
}

export interface Response {
  /** TypeScript type expression, `void` when there is no body (`Blob` for binary, `string` for text). */
  type: string
  /** The `Accept` header when it is not the runtime's default (JSON and problem documents). */
  accept?: string
  /** How the client reads a binary (`blob`) or text (`text`) body; JSON is parsed by default. */
  read?: 'blob' | 'text'
}

export interface Operation {
  method: HttpMethod
  path: string
  /** JSON pointer of the operation, for messages. */
  pointer: string
  operationId: string | undefined
  summary: string | undefined
  role: OperationRole
  /** Name of the client method, such as `list`, `addItem`. */
  clientName: string
  /** Name of the hook, such as `useOrders`, `useAddOrderItem`. */
  hookName: string
  /** Pascal-case base for per-operation type names, such as `ListOrders`. */
  typeBase: string
  pathParams: Param[]
  queryParams: Param[]
  /** Type name of the query params object, when there are query params. */
  queryType: string | undefined
  /** Type name of the declared header parameters (those the runtime does not send itself), if any. */
  headersType: string | undefined
  /** Type name of the declared cookie parameters, if any. */
  cookiesType: string | undefined
  /** Parameters serialized other than by their location's default style, if any. */
  styles: ParamStyles | undefined
  body: Body | undefined
  response: Response
  /** Path segments after the entity's id, such as `['items']` or `['transition']`. */
  subPath: string[]
  /** Parent array property a child operation changes, such as `items`. */
  childField: string | undefined
  optimistic: OptimisticKind
  /** A create's or add-child's optimistic row: its type and where each field comes from. */
  row: (RowRecipe & { type: string }) | undefined
  /** An update's or update-child's optimistic change: the body fields the cached row takes, and its type. */
  changes: { type: string; fields: string[] } | undefined
  /** Whether the operation is under an x-sync path (broadcast-aware, optimistic). */
  synced: boolean
  /** What the generator could not do for this operation (an unsupported request body), for the CLI to print. */
  warnings: string[]
}

export interface SyncConfig {
  /** false turns optimistic updates off; broadcasts still invalidate. */
  localFirst: boolean
  channel: string | undefined
  events: string[]
  /** `version_field`: the entity's optimistic-locking version property, and where it was declared. */
  versionField?: { name: string; at: readonly (string | number)[] }
}

export interface Entity {
  /** camelCase singular, such as `order`. */
  name: string
  /** PascalCase singular, such as `Order`. */
  pascal: string
  /** PascalCase plural for list hooks, such as `Orders`. */
  pascalPlural: string
  /** First query-key element, such as `orders`. */
  root: string
  /** Type name of the entity (the detail or list item schema), when known. */
  type: string | undefined
  idField: string
  /** Array property of list envelopes (`{ items: [...] }`), when lists are not bare arrays. */
  listField: string | undefined
  /** Property of detail envelopes (`{ project: {...}, links }`), when details are not the row itself. */
  detailField: string | undefined
  /**
   * The entity's optimistic-locking version property (`version`, or x-sync's `version_field`), when
   * it has one: the runtime reads it to skip refetches of data already at a broadcast's version.
   */
  versionField: string | undefined
  sync: SyncConfig | undefined
  operations: Operation[]
}

export interface TypeAlias {
  name: string
  /** Type expression over the `paths`/`components` types of openapi-typescript. */
  expression: string
  /** Entity file that declares it. */
  owner: string
}

export interface ApiModel {
  title: string
  version: string
  entities: Entity[]
  /** Every named type, declared once in its owner entity's schema file. */
  aliases: TypeAlias[]
  /**
   * Warnings about the document, each naming its operation: operations skipped in lenient mode
   * (`skipped GET /x: file:line at pointer: problem`), bodies the client cannot send (`POST /upload: ...`).
   */
  warnings: string[]
}
