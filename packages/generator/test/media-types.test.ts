import { createServer, type IncomingHttpHeaders } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli.js'
import { generateFiles } from '../src/index.js'
import { configureClient } from './__generated__/media-types/client/config'
import { fileApi } from './__generated__/media-types/client/file'
import { noteApi } from './__generated__/media-types/client/note'
import { tokenApi } from './__generated__/media-types/client/token'
import { serveGeneratedClient } from './support/loopback-server.js'

// The client generated from fixtures/media-types.openapi.yaml against a real server that parses
// what it receives by its content type: form-urlencoded with URLSearchParams, multipart with
// undici's Request.formData(), bytes as bytes.

const here = dirname(fileURLToPath(import.meta.url))
const fixture = join(here, 'fixtures/media-types.openapi.yaml')
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255, 128, 7])

interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  bytes: Buffer
}
let seen: Seen | undefined
let reply: { type: string; body: string | Uint8Array } = { type: 'application/json', body: '{}' }

const server = createServer((request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    seen = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      bytes: Buffer.concat(chunks),
    }
    response.setHeader('content-type', reply.type)
    response.end(reply.body)
  })
})

/** The multipart body the server received, parsed as a server would. */
function receivedForm(): Promise<FormData> {
  if (!seen) throw new Error('no request')
  const headers = { 'content-type': String(seen.headers['content-type']) }
  return new Request('http://server/', {
    method: 'POST',
    headers,
    body: new Uint8Array(seen.bytes),
  }).formData()
}

serveGeneratedClient(server, configureClient)
beforeEach(() => {
  seen = undefined
  reply = { type: 'application/json', body: '{}' }
})

describe('request bodies by media type', () => {
  it('form-urlencoded: the OAuth2 password login sends its typed object as form fields', async () => {
    reply = { type: 'application/json', body: JSON.stringify({ access_token: 't0k', token_type: 'bearer' }) }
    const token = await tokenApi.create({ username: 'ana', password: 's3cret & more', scope: '' })
    expect(token.access_token).toBe('t0k')
    expect(seen?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    const form = new URLSearchParams(seen?.bytes.toString('utf8'))
    expect([...form]).toEqual([
      ['username', 'ana'],
      ['password', 's3cret & more'],
      ['scope', ''],
    ])
  })

  it('multipart: a File arrives with its bytes and file name, next to the text fields', async () => {
    const file = new File([png], 'logo.png', { type: 'image/png' })
    await fileApi.create({ file, description: 'our logo' })
    expect(seen?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    const form = await receivedForm()
    const received = form.get('file')
    expect(received).toBeInstanceOf(File)
    expect((received as File).name).toBe('logo.png')
    expect((received as File).type).toBe('image/png')
    expect(new Uint8Array(await (received as File).arrayBuffer())).toEqual(png)
    expect(form.get('description')).toBe('our logo')
  })

  it('multipart: arrays repeat the field (files and strings); a contentMediaType field takes a Blob', async () => {
    await fileApi.setAvatar(7, {
      image: new Blob([png], { type: 'image/png' }),
      thumbnails: [new File(['a'], 'a.png'), new File(['bb'], 'b.png')],
      tags: ['x', 'y'],
    })
    expect(seen?.url).toBe('/files/7/avatar')
    const form = await receivedForm()
    expect(new Uint8Array(await (form.get('image') as File).arrayBuffer())).toEqual(png)
    expect(form.getAll('thumbnails').map((f) => (f as File).name)).toEqual(['a.png', 'b.png'])
    expect(form.getAll('tags')).toEqual(['x', 'y'])
  })

  it('octet-stream: the bytes are sent as they are, from a Uint8Array or a Blob', async () => {
    await fileApi.replaceFileContent(3, png)
    expect(seen?.method).toBe('PUT')
    expect(seen?.headers['content-type']).toBe('application/octet-stream')
    expect(new Uint8Array(seen?.bytes ?? [])).toEqual(png)
    await fileApi.replaceFileContent(3, new Blob([png]))
    expect(new Uint8Array(seen?.bytes ?? [])).toEqual(png)
  })

  it('text/plain: the string is the body', async () => {
    await noteApi.setNoteText('n1', 'hello, world')
    expect(seen?.headers['content-type']).toBe('text/plain')
    expect(seen?.bytes.toString('utf8')).toBe('hello, world')
  })

  it('an operation offering form and JSON sends JSON', async () => {
    await noteApi.create({ text: 'hi' })
    expect(seen?.headers['content-type']).toBe('application/json')
    expect(JSON.parse(seen?.bytes.toString('utf8') ?? '')).toEqual({ text: 'hi' })
  })
})

describe('responses by media type', () => {
  it('a binary download is a Blob with the bytes sent, accepting the declared types', async () => {
    reply = { type: 'image/png', body: png }
    const blob: Blob = await fileApi.downloadFile(3)
    expect(blob).toBeInstanceOf(Blob)
    expect(blob.type).toBe('image/png')
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(png)
    expect(seen?.headers.accept).toBe('application/octet-stream, image/png, application/problem+json')
  })

  it('a text/plain response is a string, even when it looks like JSON', async () => {
    reply = { type: 'text/plain; charset=utf-8', body: '{"line": 1}' }
    const text: string = await fileApi.previewFile(3)
    expect(text).toBe('{"line": 1}')
    expect(seen?.headers.accept).toBe('text/plain, application/problem+json')
  })

  it('JSON operations keep the default Accept', async () => {
    reply = {
      type: 'application/json',
      body: JSON.stringify({ id: 1, filename: 'a', size: 1, content_type: 'x' }),
    }
    expect((await fileApi.get(1)).filename).toBe('a')
    expect(seen?.headers.accept).toBe('application/json, application/problem+json')
  })

  // Checked by `npm run typecheck`, not run: the client's types follow the media types.
  void (() => {
    // @ts-expect-error: a multipart file field takes a File or Blob, not a string
    void fileApi.create({ file: 'not a file' })
    // @ts-expect-error: a binary body is bytes, not an object
    void fileApi.replaceFileContent(3, { bytes: [1] })
    // @ts-expect-error: a binary download is a Blob, not a string
    void fileApi.downloadFile(3).then((body: string) => body)
  })
})

describe('media types the client cannot send', () => {
  it('are a warning naming the operation and the media type, and the CLI prints it', async () => {
    const { model } = await generateFiles(fixture)
    expect(model.warnings).toEqual([
      'POST /notes/import: request body application/xml is not supported (JSON, form, multipart, text and binary are); the client method takes no body',
    ])
    const err: string[] = []
    const code = await runCli(
      ['generate', '-i', fixture, '-o', join(here, '__generated__/media-types'), '--check'],
      {
        out: () => {},
        err: (line) => err.push(line),
        cwd: here,
      },
    )
    expect(code).toBe(0)
    expect(err).toEqual([`warning: ${model.warnings[0]}`])
  })
})
