/** Another client: plain HTTP against the API, the way a second till or a script would change data. */
export async function http<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(baseUrl + path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}

export interface MenuItemJson {
  id: string
  name: string
  category: string
  price: number
}
export interface OrderJson {
  id: string
  status: string
  notes: string | null
  version: number
  items: { id: string; name: string; quantity: number; unit_price: number }[]
}
