/** Paths: which resource an operation belongs to, its parameters, and the x-sync that covers it. */
import type { HttpMethod, SyncConfig } from './model.js'
import { deref, isObject, type Json } from './schema-utils.js'

export interface RawOperation {
  method: HttpMethod
  path: string
  node: Json
  params: Json[]
  resource: string
  /** Segments after the resource segment; `{x}` marks a parameter. */
  rest: string[]
  sync: SyncConfig | undefined
}

/** `/api/v1/orders/{order_id}/items` → resource `orders`, rest `['{order_id}', 'items']`. */
export function splitPath(path: string): { resource: string; rest: string[] } {
  const segments = path.split('/').filter(Boolean)
  let i = 0
  while (i < segments.length - 1 && /^(api|v\d+(\.\d+)*)$/i.test(segments[i] ?? '')) i++
  const first = segments[i]
  if (first === undefined) return { resource: 'root', rest: [] }
  if (isParam(first)) return { resource: 'root', rest: segments.slice(i) }
  return { resource: first, rest: segments.slice(i + 1) }
}

export const isParam = (segment: string | undefined) => segment !== undefined && /^\{.+\}$/.test(segment)

/** x-sync applies to its own path and every path below it (`/orders` covers `/orders/{id}/items`). */
export function syncFor(path: string, pathSync: Map<string, SyncConfig>): SyncConfig | undefined {
  let best: [string, SyncConfig] | undefined
  for (const [base, sync] of pathSync) {
    const covers = path === base || path.startsWith(base.endsWith('/') ? base : `${base}/`)
    if (covers && (!best || base.length > best[0].length)) best = [base, sync]
  }
  return best?.[1]
}

export function paramsOf(doc: Json, list: unknown): Json[] {
  return Array.isArray(list) ? list.map((p) => deref(doc, p)).filter(isObject) : []
}

/**
 * The parameters of an operation: its path item's, each replaced by the operation's own of the same
 * name and location (OpenAPI: "A unique parameter is defined by a combination of a name and location";
 * the operation's overrides the path item's).
 */
export function mergeParams(pathLevel: Json[], operationLevel: Json[]): Json[] {
  const key = (p: Json) => `${String(p.in)}:${String(p.name)}`
  const own = new Set(operationLevel.map(key))
  return [...pathLevel.filter((p) => !own.has(key(p))), ...operationLevel]
}
