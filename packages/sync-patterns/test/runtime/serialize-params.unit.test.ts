import { describe, expect, it } from 'vitest'
import {
  buildPath,
  buildQuery,
  type ParamStyle,
  serializeCookies,
  serializeHeaderParam,
  serializePathParam,
  serializeQuery,
} from '../../src/runtime/core/index.js'

// The OpenAPI specification's "Style Examples" table (3.0.4 / 3.1.1, which follow RFC 6570 for
// `label`), for a parameter named `color`: the empty string, "blue", ["blue","black","brown"] and
// {"R":100,"G":200,"B":150}. Query rows are given without the leading `?`.

const empty = ''
const string = 'blue'
const array = ['blue', 'black', 'brown']
const object = { R: 100, G: 200, B: 150 }

type Row = [
  style: ParamStyle,
  empty: string | null,
  string: string | null,
  array: string | null,
  object: string | null,
]

const pathRows: Row[] = [
  [
    { style: 'matrix', explode: false },
    ';color',
    ';color=blue',
    ';color=blue,black,brown',
    ';color=R,100,G,200,B,150',
  ],
  [
    { style: 'matrix', explode: true },
    ';color',
    ';color=blue',
    ';color=blue;color=black;color=brown',
    ';R=100;G=200;B=150',
  ],
  [{ style: 'label', explode: false }, '.', '.blue', '.blue,black,brown', '.R,100,G,200,B,150'],
  [{ style: 'label', explode: true }, '.', '.blue', '.blue.black.brown', '.R=100.G=200.B=150'],
  [{ style: 'simple', explode: false }, '', 'blue', 'blue,black,brown', 'R,100,G,200,B,150'],
  [{ style: 'simple', explode: true }, '', 'blue', 'blue,black,brown', 'R=100,G=200,B=150'],
]

const queryRows: Row[] = [
  [
    { style: 'form', explode: false },
    'color=',
    'color=blue',
    'color=blue,black,brown',
    'color=R,100,G,200,B,150',
  ],
  [
    { style: 'form', explode: true },
    'color=',
    'color=blue',
    'color=blue&color=black&color=brown',
    'R=100&G=200&B=150',
  ],
  [
    { style: 'spaceDelimited', explode: false },
    null,
    null,
    'color=blue%20black%20brown',
    'color=R%20100%20G%20200%20B%20150',
  ],
  [
    { style: 'pipeDelimited', explode: false },
    null,
    null,
    'color=blue%7Cblack%7Cbrown',
    'color=R%7C100%7CG%7C200%7CB%7C150',
  ],
  [
    { style: 'deepObject', explode: true },
    null,
    null,
    null,
    'color%5BR%5D=100&color%5BG%5D=200&color%5BB%5D=150',
  ],
]

const label = (style: ParamStyle) => `${style.style} explode=${style.explode}`

describe('the OpenAPI style examples table', () => {
  describe.each(pathRows)('path %#', (style, e, s, a, o) => {
    it(`${label(style)}`, () => {
      expect(serializePathParam('color', empty, style)).toBe(e)
      expect(serializePathParam('color', string, style)).toBe(s)
      expect(serializePathParam('color', array, style)).toBe(a)
      expect(serializePathParam('color', object, style)).toBe(o)
    })
  })

  describe.each(queryRows)('query %#', (style, e, s, a, o) => {
    it(`${label(style)}`, () => {
      const query = (value: unknown) => serializeQuery({ color: value }, { color: style }).slice(1)
      if (e !== null) expect(query(empty)).toBe(e)
      if (s !== null) expect(query(string)).toBe(s)
      if (a !== null) expect(query(array)).toBe(a)
      if (o !== null) expect(query(object)).toBe(o)
    })
  })

  it('header: simple, exploded or not, and never percent-encoded', () => {
    expect(serializeHeaderParam(string)).toBe('blue')
    expect(serializeHeaderParam(array)).toBe('blue,black,brown')
    expect(serializeHeaderParam(object)).toBe('R,100,G,200,B,150')
    expect(serializeHeaderParam(object, { explode: true })).toBe('R=100,G=200,B=150')
    expect(serializeHeaderParam('a b/c')).toBe('a b/c')
    expect(serializeHeaderParam(undefined)).toBeUndefined()
  })

  it('cookie: form, exploded by default', () => {
    expect(serializeCookies({ color: string })).toBe('color=blue')
    expect(serializeCookies({ color: array }, { color: { explode: false } })).toBe('color=blue,black,brown')
    expect(serializeCookies({ color: object }, { color: { explode: false } })).toBe('color=R,100,G,200,B,150')
    expect(serializeCookies({ color: array })).toBe('color=blue; color=black; color=brown')
    expect(serializeCookies({ session: 'a b;c', unset: undefined })).toBe('session=a%20b%3Bc')
  })
})

describe('encoding and defaults', () => {
  it('values are percent-encoded (RFC 3986), so a delimiter inside a value is never a delimiter', () => {
    expect(serializeQuery({ tags: ['a,b', 'c'] }, { tags: { explode: false } })).toBe('?tags=a%2Cb,c')
    expect(serializeQuery({ q: "it's (x) & y*" })).toBe('?q=it%27s%20%28x%29%20%26%20y%2A')
    expect(buildPath('/files/{path}', { path: 'a/b' })).toBe('/files/a%2Fb')
  })

  it('allowReserved keeps reserved characters in query values', () => {
    expect(serializeQuery({ path: '/a/b?c' }, { path: { allowReserved: true } })).toBe('?path=/a/b?c')
  })

  it('the defaults: form exploded query, undefined, null and empty arrays left out, dates as ISO text', () => {
    expect(buildQuery({ tag: ['a', 'b'], limit: 10, q: undefined, x: null, none: [] })).toBe(
      '?tag=a&tag=b&limit=10',
    )
    expect(buildQuery({ at: new Date('2026-01-02T03:04:05.000Z') })).toBe('?at=2026-01-02T03%3A04%3A05.000Z')
    expect(buildQuery({ metadata: { a: 1, b: 'x' } })).toBe('?a=1&b=x')
  })

  it('deepObject nests objects and repeats array items', () => {
    expect(
      serializeQuery(
        { filter: { status: 'open', tags: ['a', 'b'], range: { min: 1 } } },
        { filter: { style: 'deepObject' } },
      ),
    ).toBe('?filter%5Bstatus%5D=open&filter%5Btags%5D=a&filter%5Btags%5D=b&filter%5Brange%5D%5Bmin%5D=1')
  })

  it('path styles in a template', () => {
    expect(
      buildPath(
        '/colors/{color}{coords}',
        { color: array, coords: object },
        {
          color: { style: 'label' },
          coords: { style: 'matrix', explode: true },
        },
      ),
    ).toBe('/colors/.blue,black,brown;R=100;G=200;B=150')
  })
})
