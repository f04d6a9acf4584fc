/**
 * Copies only the named fields (an update body's properties) from a larger object such as a form
 * draft. Typed when every field is a key of the source (an update's change to the cached row).
 */
export function pickFields<T extends object, K extends keyof T & string>(
  source: T,
  fields: readonly K[],
): Pick<T, K>
export function pickFields(source: object, fields: readonly string[]): Record<string, unknown>
export function pickFields(source: object, fields: readonly string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const field of fields) {
    if (field in source) result[field] = (source as Record<string, unknown>)[field]
  }
  return result
}

/** Options every generated mutation hook accepts. */
export interface MutationHookOptions {
  /**
   * Extra attempts after a network error, 5xx, 429 or a response with Retry-After (such as 409 while
   * the key's first request still runs), reusing the Idempotency-Key (default 0).
   */
  retry?: number
}

/** Options of a generated hook that adds a row (a create, an add-child) optimistically. */
export interface OptimisticRowOptions<TBody, TRow> extends MutationHookOptions {
  /**
   * Fields of the optimistic row the app can tell better than the generated placeholders, such as
   * a menu item's name and price for an order line the server fills in from the menu. They
   * override the placeholders until the server's row arrives.
   */
  optimistic?: (body: TBody) => Partial<TRow>
}
