import { createServer, type IncomingHttpHeaders } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeEach, describe, expect, it } from 'vitest'
import { generateFiles } from '../src/index.js'
import { colorApi } from './__generated__/params/client/color'
import { configureClient } from './__generated__/params/client/config'
import { itemApi } from './__generated__/params/client/item'
import { shadeApi } from './__generated__/params/client/shade'
import { serveGeneratedClient } from './support/loopback-server.js'

// The client generated from fixtures/params.openapi.yaml against a real server that parses each
// parameter back by the style the document declares for it.

const here = dirname(fileURLToPath(import.meta.url))

let seen: { url: string; headers: IncomingHttpHeaders } | undefined
const server = createServer((request, response) => {
  seen = { url: request.url ?? '', headers: request.headers }
  response.setHeader('content-type', 'application/json')
  response.end(request.url?.startsWith('/items?') ? '[]' : '{}')
})

serveGeneratedClient(server, configureClient)
beforeEach(() => {
  seen = undefined
})

/** The query's `name=value` pairs as a server reads them (percent-decoded, `+` kept as is). */
function pairs(url: string): [string, string][] {
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1) : ''
  return query
    .split('&')
    .filter(Boolean)
    .map((part) => {
      const [name = '', value = ''] = part.split('=')
      return [decodeURIComponent(name), value] as [string, string]
    })
}

/** deepObject as qs and Rails read it: `filter[status]=open` → { status: 'open' }. */
function deepObject(list: [string, string][], name: string): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [key, value] of list) {
    const match = new RegExp(`^${name}\\[([^\\]]+)\\]$`).exec(key)
    if (match?.[1]) result[match[1]] = decodeURIComponent(value)
  }
  return result
}

describe('query parameters by style', () => {
  it('form (exploded or not), spaceDelimited, pipeDelimited, deepObject, allowReserved', async () => {
    await itemApi.list({
      ids: [1, 2],
      tags: ['red', 'a,b'],
      words: ['big', 'blue'],
      flags: ['x', 'y'],
      filter: { status: 'open now', min_total: 10 },
      point: { x: 1.5, y: -2 },
      page: { limit: 20, cursor: 'c/1' },
      next: '/items?after=5',
      q: 'fries & shake',
    })
    const list = pairs(seen?.url ?? '')
    const values = (name: string) => list.filter(([key]) => key === name).map(([, value]) => value)
    // form, exploded (the default): the key repeats
    expect(values('ids')).toEqual(['1', '2'])
    // form, not exploded: one value, comma-separated; a comma inside a value is encoded
    expect(values('tags')).toEqual(['red,a%2Cb'])
    expect(values('tags')[0]?.split(',').map(decodeURIComponent)).toEqual(['red', 'a,b'])
    expect(values('words')).toEqual(['big%20blue'])
    // (a space or `|` inside a value reads as the delimiter: the styles cannot carry them)
    expect(values('flags')).toEqual(['x%7Cy'])
    expect(deepObject(list, 'filter')).toEqual({ status: 'open now', min_total: '10' })
    // form objects: exploded, each property is a parameter; not, `name=k,v,k,v`
    expect(values('point')).toEqual(['x,1.5,y,-2'])
    expect(values('limit')).toEqual(['20'])
    expect(values('cursor').map(decodeURIComponent)).toEqual(['c/1'])
    expect(values('q').map(decodeURIComponent)).toEqual(['fries & shake'])
    // allowReserved: reserved characters arrive as they are
    expect(seen?.url).toContain('next=/items?after=5')
    expect(seen?.url).not.toContain('[object Object]')
  })

  it('a create sends its body and its unexploded query parameter', async () => {
    await itemApi.create({ name: 'Fries' }, { notify: ['kitchen', 'bar'] })
    expect(seen?.url).toBe('/items?notify=kitchen,bar')
  })

  it('an operation with only default styles is sent as before', async () => {
    await itemApi.get(7, { fields: ['id', 'name'] })
    expect(seen?.url).toBe('/items/7?fields=id&fields=name')
  })
})

describe('path parameters by style', () => {
  it('simple, label (exploded) and matrix (exploded) in one path', async () => {
    await colorApi.getColors(['blue', 'black'], ['a', 'b/c'], { R: 100, G: 200, B: 150 })
    expect(seen?.url).toBe('/colors/blue,black/.a.b%2Fc/;R=100;G=200;B=150')
    const [, , simple = '', label = '', matrix = ''] = (seen?.url ?? '').split('/')
    expect(simple.split(',')).toEqual(['blue', 'black'])
    expect(label.slice(1).split('.').map(decodeURIComponent)).toEqual(['a', 'b/c'])
    expect(
      Object.fromEntries(
        matrix
          .slice(1)
          .split(';')
          .map((p) => p.split('=')),
      ),
    ).toEqual({
      R: '100',
      G: '200',
      B: '150',
    })
  })

  it('matrix, not exploded', async () => {
    await shadeApi.get(['light', 'dark'])
    expect(seen?.url).toBe('/shades/;shade=light,dark')
  })
})

describe('header and cookie parameters', () => {
  it('headers: arrays and objects in the simple style (exploded when declared so)', async () => {
    await itemApi.list(undefined, { headers: { 'x-trace': ['a', 'b'], 'x-dims': { w: 3, h: 4 } } })
    expect(seen?.headers['x-trace']).toBe('a,b')
    expect(seen?.headers['x-dims']).toBe('w=3,h=4')
  })

  it('cookies: one Cookie header, form style, where fetch may set it (Node)', async () => {
    await itemApi.list(undefined, { cookies: { session: 's 1;x', prefs: ['dark', 'compact'] } })
    const cookies = Object.fromEntries(
      String(seen?.headers.cookie)
        .split('; ')
        .map((c) => c.split('=')),
    )
    expect(cookies).toEqual({ session: 's%201%3Bx', prefs: 'dark,compact' })
    expect(decodeURIComponent(cookies.session)).toBe('s 1;x')
  })

  it('the generator warns that browsers do not send cookie parameters', async () => {
    const { model } = await generateFiles(join(here, 'fixtures/params.openapi.yaml'))
    expect(model.warnings).toEqual([
      "GET /items: cookie parameters session, prefs (options.cookies) can only be sent outside browsers; a browser sends the cookies it holds for the API's origin",
    ])
  })
})
