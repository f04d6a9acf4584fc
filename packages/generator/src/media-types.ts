/** Request and response bodies by media type: which one an operation uses, and how it is sent or read. */
import { deref, isObject, type Json } from './schema-utils.js'

export const jsonMedia = /^application\/(.+\+)?json/

/** How a body travels: the runtime's `encodeBody` and `responseType` follow the media type. */
export type MediaKind = 'json' | 'form' | 'multipart' | 'text' | 'binary'

const binaryMedia =
  /^(application\/(octet-stream|pdf|zip|gzip|x-gzip|x-tar|x-7z-compressed|vnd\.[^+]*)|image\/|audio\/|video\/|font\/)/
/** Text that is not `text/*`: returned as a string, but not sent (a request body needs its encoder). */
const textualMedia = /^application\/((.+\+)?xml|(.+\+)?yaml|x-yaml|javascript|x-ndjson|graphql)$/

/** The kind of a request body's media type; undefined when the client cannot send it. */
export function requestKind(doc: Json, media: string, schema: unknown): MediaKind | undefined {
  const type = bare(media)
  if (jsonMedia.test(type)) return 'json'
  if (type === 'application/x-www-form-urlencoded') return 'form'
  if (type === 'multipart/form-data') return 'multipart'
  if (type.startsWith('text/')) return 'text'
  if (textualMedia.test(type)) return undefined
  if (binaryMedia.test(type) || isBinarySchema(doc, schema)) return 'binary'
  if (type === '*/*' || type === 'application/*') return schema === undefined ? 'binary' : 'json'
  return undefined
}

/** The kind of a success response's media type: every type can be read (unknown ones as a Blob). */
export function responseKind(
  doc: Json,
  media: string,
  schema: unknown,
): Exclude<MediaKind, 'form' | 'multipart'> {
  const type = bare(media)
  if (jsonMedia.test(type)) return 'json'
  if (type.startsWith('text/') || textualMedia.test(type)) return 'text'
  if (type === '*/*' || type === 'application/*')
    return schema === undefined || isBinarySchema(doc, schema) ? 'binary' : 'json'
  return 'binary'
}

/**
 * The request body's media type: JSON when the operation offers it, else the first the client can
 * send, in the document's order. `unsupported` lists the types when none can be sent.
 */
export function pickRequestMedia(
  doc: Json,
  content: Json,
): { media: string; kind: MediaKind; schema: unknown } | { unsupported: string[] } {
  const offered = Object.keys(content).map((media) => {
    const schema = isObject(content[media]) ? (content[media] as Json).schema : undefined
    return { media, schema, kind: requestKind(doc, media, schema) }
  })
  const chosen = offered.find((o) => o.kind === 'json') ?? offered.find((o) => o.kind !== undefined)
  if (chosen?.kind) return { media: chosen.media, kind: chosen.kind, schema: chosen.schema }
  return { unsupported: offered.map((o) => o.media) }
}

export interface SuccessMedia {
  status: string
  media: string
  kind: Exclude<MediaKind, 'form' | 'multipart'>
  schema: unknown
  /** Every success media type of the same kind, in order: what the request accepts. */
  accept: string[]
}

/**
 * The success response the client returns: the first 2xx with a JSON body (as before), else the
 * first 2xx with any body, its first media type deciding the kind.
 */
export function successMedia(doc: Json, node: Json): SuccessMedia | undefined {
  const responses = isObject(node.responses) ? node.responses : {}
  const contents = Object.keys(responses)
    .filter((c) => /^2\d\d$|^2XX$/i.test(c))
    .sort()
    .flatMap((status) => {
      const response = deref(doc, responses[status])
      const content = isObject(response) && isObject(response.content) ? response.content : undefined
      return content && Object.keys(content).length > 0 ? [{ status, content }] : []
    })
  const withJson = contents.find(({ content }) => Object.keys(content).some((m) => jsonMedia.test(bare(m))))
  const chosen = withJson ?? contents[0]
  if (!chosen) return undefined
  const schemaOf = (content: Json, media: string) =>
    isObject(content[media]) ? (content[media] as Json).schema : undefined
  const media = withJson
    ? (Object.keys(chosen.content).find((m) => jsonMedia.test(bare(m))) as string)
    : (Object.keys(chosen.content)[0] as string)
  const schema = schemaOf(chosen.content, media)
  const kind = responseKind(doc, media, schema)
  const accept = new Set<string>()
  for (const { content } of contents)
    for (const m of Object.keys(content))
      if (responseKind(doc, m, schemaOf(content, m)) === kind) accept.add(m)
  return { status: chosen.status, media, kind, schema, accept: [...accept] }
}

/** `{ type: string, format: binary }`, or a 3.1 string with a non-text `contentMediaType`. */
export function isBinarySchema(doc: Json, node: unknown): boolean {
  const schema = deref(doc, node)
  if (!isObject(schema)) return false
  const types = Array.isArray(schema.type) ? schema.type : [schema.type]
  if (!types.includes('string')) return false
  if (schema.format === 'binary') return true
  return (
    typeof schema.contentMediaType === 'string' &&
    schema.contentEncoding === undefined &&
    !/^text\/|json|xml/.test(schema.contentMediaType)
  )
}

function bare(media: string): string {
  return (media.split(';')[0] ?? '').trim().toLowerCase()
}
