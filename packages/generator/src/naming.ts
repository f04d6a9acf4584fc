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

const irregular: Record<string, string> = { people: 'person', children: 'child', men: 'man', women: 'woman' }

/** English singular of the last word, enough for resource names: orders→order, categories→category. */
export function singular(text: string): string {
  const match = /^(.*?)([A-Za-z]+)$/.exec(text)
  if (!match) return text
  const [, head = '', last = ''] = match
  const lower = last.toLowerCase()
  let result = last
  if (irregular[lower]) result = irregular[lower]
  else if (/[^aeiou]ies$/.test(lower)) result = `${last.slice(0, -3)}y`
  else if (/(ss|x|ch|sh|z)es$/.test(lower)) result = last.slice(0, -2)
  else if (/[^su]s$/.test(lower) && !/(ss|is|us)$/.test(lower)) result = last.slice(0, -1)
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
