/**
 * Parameter serialization by the OpenAPI 3 `style` and `explode` rules (RFC 6570 expansion), for
 * path, query, header and cookie parameters. The defaults are OpenAPI's: `simple` for path and
 * header, `form` for query and cookie; `explode` is true for `form` and false otherwise. Values are
 * primitives (string, number, boolean, Date as ISO text), arrays of them, or objects of them;
 * `undefined` and `null` mean "not sent", and so does an empty array in the query.
 */

export type ParamStyleName =
  | 'simple'
  | 'label'
  | 'matrix'
  | 'form'
  | 'spaceDelimited'
  | 'pipeDelimited'
  | 'deepObject'

/** How one parameter is serialized; what is left out is the location's default. */
export interface ParamStyle {
  style?: ParamStyleName
  explode?: boolean
  /** Query only: reserved characters (`:/?#[]@!$&'()*+,;=`) are sent as they are. */
  allowReserved?: boolean
}

/** Per location, the parameters whose serialization is not the default (generated clients pass it). */
export interface ParamStyles {
  path?: Record<string, ParamStyle>
  query?: Record<string, ParamStyle>
  header?: Record<string, ParamStyle>
  cookie?: Record<string, ParamStyle>
}

type Primitive = string | number | boolean | Date
type Entries = [string, string][]

const defaultStyle = { path: 'simple', query: 'form', header: 'simple', cookie: 'form' } as const

/** Percent-encodes everything but RFC 3986 unreserved characters (and reserved ones, when allowed). */
export function encodeParamText(text: string, allowReserved = false): string {
  const strict = encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  if (!allowReserved) return strict
  return strict.replace(/%(3A|2F|3F|23|5B|5D|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  )
}

function text(value: Primitive): string {
  return value instanceof Date ? value.toISOString() : String(value)
}

/** An array's items, an object's key/value pairs (undefined and null ones left out), or the primitive. */
function shape(value: unknown): { list: Primitive[] } | { pairs: Entries } | { one: Primitive } {
  if (Array.isArray(value)) return { list: value.filter((v) => v !== undefined && v !== null) }
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const pairs: Entries = []
    for (const [key, item] of Object.entries(value))
      if (item !== undefined && item !== null) pairs.push([key, text(item as Primitive)])
    return { pairs }
  }
  return { one: value as Primitive }
}

/**
 * A path parameter's text as it goes in the path (percent-encoded): `simple` `blue,black,brown`,
 * `label` `.blue`, `matrix` `;color=blue`; see the OpenAPI style examples.
 */
export function serializePathParam(name: string, value: unknown, options: ParamStyle = {}): string {
  const style = options.style ?? defaultStyle.path
  const explode = options.explode ?? false
  const enc = (s: string) => encodeParamText(s)
  const v = shape(value)
  if (style === 'matrix') {
    const key = `;${enc(name)}`
    if ('one' in v) {
      const t = text(v.one)
      return t === '' ? key : `${key}=${enc(t)}`
    }
    if ('list' in v) {
      if (v.list.length === 0) return key
      return explode
        ? v.list.map((item) => `${key}=${enc(text(item))}`).join('')
        : `${key}=${v.list.map((item) => enc(text(item))).join(',')}`
    }
    if (v.pairs.length === 0) return key
    return explode
      ? v.pairs.map(([k, item]) => `;${enc(k)}=${enc(item)}`).join('')
      : `${key}=${v.pairs.flatMap(([k, item]) => [enc(k), enc(item)]).join(',')}`
  }
  const prefix = style === 'label' ? '.' : ''
  const separator = style === 'label' && explode ? '.' : ','
  if ('one' in v) return prefix + enc(text(v.one))
  if ('list' in v) return prefix + v.list.map((item) => enc(text(item))).join(separator)
  return (
    prefix +
    (explode
      ? v.pairs.map(([k, item]) => `${enc(k)}=${enc(item)}`).join(separator)
      : v.pairs.flatMap(([k, item]) => [enc(k), enc(item)]).join(','))
  )
}

/**
 * One query parameter as `name=value` pairs, percent-encoded, to join with `&`: `form` (exploded:
 * `color=blue&color=black`, objects `R=100&G=200`; not: `color=blue,black`, `color=R,100,G,200`),
 * `spaceDelimited` (`color=blue%20black`), `pipeDelimited` (`color=blue%7Cblack`), `deepObject`
 * (`color%5BR%5D=100`, nested objects nest the brackets, arrays repeat the key). Nothing for
 * `undefined`, `null` or an empty array.
 */
export function serializeQueryParam(name: string, value: unknown, options: ParamStyle = {}): string[] {
  if (value === undefined || value === null) return []
  const style = options.style ?? defaultStyle.query
  const explode = options.explode ?? style === 'form'
  const enc = (s: string) => encodeParamText(s, options.allowReserved)
  const key = encodeParamText(name)
  if (style === 'deepObject')
    return deepObject(name, value).map(([k, item]) => `${encodeParamText(k)}=${enc(item)}`)
  const v = shape(value)
  if ('one' in v) return [`${key}=${enc(text(v.one))}`]
  if ('list' in v) {
    if (v.list.length === 0) return []
    if (explode) return v.list.map((item) => `${key}=${enc(text(item))}`)
    return [`${key}=${v.list.map((item) => enc(text(item))).join(delimiter(style))}`]
  }
  if (explode) return v.pairs.map(([k, item]) => `${encodeParamText(k)}=${enc(item)}`)
  return [`${key}=${v.pairs.flatMap(([k, item]) => [enc(k), enc(item)]).join(delimiter(style))}`]
}

function delimiter(style: ParamStyleName): string {
  return style === 'spaceDelimited' ? '%20' : style === 'pipeDelimited' ? '%7C' : ','
}

function deepObject(prefix: string, value: unknown): Entries {
  if (value === undefined || value === null) return []
  if (Array.isArray(value)) return value.flatMap((item) => deepObject(prefix, item))
  if (typeof value === 'object' && !(value instanceof Date))
    return Object.entries(value).flatMap(([k, item]) => deepObject(`${prefix}[${k}]`, item))
  return [[prefix, text(value as Primitive)]]
}

/** The query string (`?a=1&b=2`, or empty) of a query object, each parameter by its style. */
export function serializeQuery(query: object | undefined, styles: Record<string, ParamStyle> = {}): string {
  if (!query) return ''
  const parts = Object.entries(query).flatMap(([name, value]) =>
    serializeQueryParam(name, value, styles[name]),
  )
  return parts.length ? `?${parts.join('&')}` : ''
}

/**
 * A header parameter's value (`simple`, not percent-encoded: header values are not URLs):
 * `blue,black,brown`, `R,100,G,200` or, exploded, `R=100,G=200`. Undefined for `undefined`/`null`.
 */
export function serializeHeaderParam(value: unknown, options: ParamStyle = {}): string | undefined {
  if (value === undefined || value === null) return undefined
  const v = shape(value)
  if ('one' in v) return text(v.one)
  if ('list' in v) return v.list.map(text).join(',')
  return options.explode ? v.pairs.map(([k, item]) => `${k}=${item}`).join(',') : v.pairs.flat().join(',')
}

/**
 * The `Cookie` header of cookie parameters, `form` style: `name=value` pairs joined by `; `;
 * arrays and objects as `name=a,b` (not exploded) or repeated pairs (exploded, the default).
 * Values are percent-encoded. Empty when there is nothing to send.
 */
export function serializeCookies(
  cookies: object | undefined,
  styles: Record<string, ParamStyle> = {},
): string {
  if (!cookies) return ''
  const parts: string[] = []
  for (const [name, value] of Object.entries(cookies)) {
    if (value === undefined || value === null) continue
    const explode = styles[name]?.explode ?? true
    const v = shape(value)
    if ('one' in v) parts.push(`${name}=${encodeParamText(text(v.one))}`)
    else if ('list' in v) {
      if (explode) for (const item of v.list) parts.push(`${name}=${encodeParamText(text(item))}`)
      else if (v.list.length)
        parts.push(`${name}=${v.list.map((item) => encodeParamText(text(item))).join(',')}`)
    } else if (explode) for (const [k, item] of v.pairs) parts.push(`${k}=${encodeParamText(item)}`)
    else if (v.pairs.length)
      parts.push(
        `${name}=${v.pairs.flatMap(([k, item]) => [encodeParamText(k), encodeParamText(item)]).join(',')}`,
      )
  }
  return parts.join('; ')
}
