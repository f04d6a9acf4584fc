import pluralize from 'pluralize'

/** Splits identifiers and path segments into lowercase words: `order_items`, `orderItems`, `order-items`. */
export function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase())
}

export function pascalCase(text: string): string {
  const result = words(text)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('')
  return /^[0-9]/.test(result) ? `_${result}` : result
}

export function camelCase(text: string): string {
  const pascal = pascalCase(text)
  return pascal.startsWith('_') ? pascal : (pascal[0]?.toLowerCase() ?? '') + pascal.slice(1)
}

/** Words ending in `s` that are not plurals: kept as they are (`/dns` is the `dns` resource). */
const notPlural = new Set([
  'kubernetes',
  'dns',
  'aws',
  'sms',
  'gps',
  'ios',
  'cors',
  'https',
  'data',
  'metadata',
])
/** Where pluralize's rules miss for resource names. */
const singulars: Record<string, string> = { caches: 'cache', cookies: 'cookie' }

/**
 * English singular of the last word, for resource names: `orders` → `order`, `categories` →
 * `category`, `sizes` → `size`, `statuses` → `status` (pluralize, the common inflection library, with
 * the exceptions above).
 */
export function singular(text: string): string {
  const match = /^(.*?)([A-Za-z]+)$/.exec(text)
  if (!match) return text
  const [, head = '', last = ''] = match
  const lower = last.toLowerCase()
  if (notPlural.has(lower)) return text
  const fixed = singulars[lower]
  const result = fixed === undefined ? pluralize.singular(last) : last.slice(0, 1) + fixed.slice(1)
  return head + result
}

/** A valid identifier for an OpenAPI component name such as `Body_add_item_orders__order_id__items_post`. */
export function typeName(componentName: string): string {
  return pascalCase(componentName) || 'Unnamed'
}

const reserved = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await'.split(
    ' ',
  ),
)

/** A parameter name usable as a JS identifier: `order_id` → `orderId`, `default` → `default_`. */
export function identifier(name: string): string {
  const id = camelCase(name) || 'value'
  return reserved.has(id) ? `${id}_` : id
}
