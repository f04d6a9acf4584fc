import { describe, expect, it } from 'vitest'
import { encodeBody } from '../../src/runtime/core/index.js'

// What fetch is given for each media type; the generated clients' tests
// (packages/generator/test/media-types.test.ts) check what a real server receives.

describe('encodeBody', () => {
  it('JSON types are stringified with their own content type', () => {
    expect(encodeBody({ a: 1 }, 'application/merge-patch+json')).toEqual({
      body: '{"a":1}',
      contentType: 'application/merge-patch+json',
    })
  })

  it('form-urlencoded: arrays repeat the key, null and undefined are left out, dates as ISO, objects as JSON', () => {
    const { body, contentType } = encodeBody(
      { tags: ['a', 'b'], none: null, missing: undefined, n: 2, on: true, at: new Date(0), meta: { k: 'v' } },
      'application/x-www-form-urlencoded',
    )
    expect(contentType).toBe('application/x-www-form-urlencoded')
    expect(String(body)).toBe(
      'tags=a&tags=b&n=2&on=true&at=1970-01-01T00%3A00%3A00.000Z&meta=%7B%22k%22%3A%22v%22%7D',
    )
  })

  it('multipart: no content type (fetch adds the boundary); a FormData or URLSearchParams given is sent as is', () => {
    const encoded = encodeBody({ file: new Blob(['x']), note: 'n' }, 'multipart/form-data')
    expect(encoded.contentType).toBeUndefined()
    expect(encoded.body).toBeInstanceOf(FormData)
    expect((encoded.body as FormData).get('note')).toBe('n')
    const form = new FormData()
    expect(encodeBody(form, 'multipart/form-data').body).toBe(form)
    const search = new URLSearchParams('a=1')
    expect(encodeBody(search, 'application/x-www-form-urlencoded').body).toBe(search)
  })

  it("binary: the bytes as given; a wildcard type becomes the Blob's own type or octet-stream", () => {
    const bytes = new Uint8Array([1, 2])
    expect(encodeBody(bytes, 'application/octet-stream')).toEqual({
      body: bytes,
      contentType: 'application/octet-stream',
    })
    const png = new Blob([bytes], { type: 'image/png' })
    expect(encodeBody(png, 'image/*').contentType).toBe('image/png')
    expect(encodeBody(bytes.buffer, '*/*').contentType).toBe('application/octet-stream')
  })

  it('text: the string as it is', () => {
    expect(encodeBody('hi', 'text/csv')).toEqual({ body: 'hi', contentType: 'text/csv' })
  })
})
