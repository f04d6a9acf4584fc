/**
 * An input problem the generator refuses, with the place it points at: the file, the JSON
 * pointer of the offending node and, when the file could be parsed, its 1-based line.
 */
export class GeneratorError extends Error {
  override readonly name = 'GeneratorError'
  readonly pointer: string | undefined
  readonly file: string | undefined
  readonly line: number | undefined

  constructor(problem: string, where: { pointer?: string; file?: string; line?: number } = {}) {
    super(format(problem, where))
    this.pointer = where.pointer
    this.file = where.file
    this.line = where.line
  }
}

function format(
  problem: string,
  { pointer, file, line }: { pointer?: string; file?: string; line?: number },
) {
  const place = [file && (line ? `${file}:${line}` : file), pointer !== undefined && `at ${pointer || '/'}`]
    .filter(Boolean)
    .join(' ')
  return place ? `${place}: ${problem}` : problem
}

/** Encodes path segments as a JSON pointer (RFC 6901). */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')
}

/** Decodes a JSON pointer (with or without a leading `#`) into path segments. */
export function fromPointer(pointer: string): string[] {
  const body = pointer.replace(/^#/, '')
  if (body === '' || body === '/') return []
  return body
    .slice(1)
    .split('/')
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'))
}
