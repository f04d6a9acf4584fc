import { readFile, stat } from 'node:fs/promises'
import { resolve as resolvePath } from 'node:path'
import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import { fromPointer, GeneratorError, toPointer } from './generator-error.js'

/** A loaded OpenAPI document with every `$ref` to another file pulled in (internal refs remain). */
export interface LoadedSpec {
  /** The bundled document: one object, only `#/...` references. */
  document: Record<string, unknown>
  /** Absolute path or URL of the root document. */
  source: string
  /** Files the document was read from (root first): what `--watch` watches. */
  files: string[]
  /** Line of a JSON pointer in the root document, when it can be found. */
  lineOf(pointer: string): number | undefined
}

/** Reads a file path or http(s) URL, JSON or YAML, OpenAPI 3.0 or 3.1, and bundles external refs. */
export async function loadSpec(input: string, cwd = process.cwd()): Promise<LoadedSpec> {
  const isUrl = /^https?:\/\//i.test(input)
  const source = isUrl ? input : resolvePath(cwd, input)
  const text = await readSource(source, isUrl)
  const root = parseText(text, source)
  checkVersion(root.value, source, root.lineOf)

  // Fast path: a document without references to other files needs no bundler, only a check that
  // every internal reference resolves.
  const refs = collectRefs(root.value)
  if (refs.every(({ ref }) => ref.startsWith('#'))) {
    for (const { ref, at } of refs) {
      if (resolveRef(root.value, ref) === undefined) {
        const pointer = toPointer(at)
        const line = root.lineOf(pointer)
        throw new GeneratorError(`cannot resolve $ref "${ref}"`, {
          file: source,
          pointer,
          ...(line ? { line } : {}),
        })
      }
    }
    return { document: root.value as Record<string, unknown>, source, files: [source], lineOf: root.lineOf }
  }

  // Loaded only here: the bundler is a large module most documents (self-contained) never need.
  const { bundle, createConfig } = await import('@redocly/openapi-core')
  let result: Awaited<ReturnType<typeof bundle>>
  try {
    result = await bundle({
      ref: source,
      config: await createConfig({ extends: [] }),
      dereference: false,
      removeUnusedComponents: false,
    })
  } catch (error) {
    throw new GeneratorError(`cannot read the document: ${(error as Error).message}`, { file: source })
  }
  const problem = result.problems.find((p) => p.severity === 'error')
  if (problem) {
    const at = problem.location[0]
    const pointer = at?.pointer?.replace(/^#/, '')
    const file = at?.source.absoluteRef ?? source
    const line = pointer !== undefined && file === source ? root.lineOf(pointer) : undefined
    throw new GeneratorError(problem.message, {
      file,
      ...(pointer !== undefined ? { pointer } : {}),
      ...(line ? { line } : {}),
    })
  }
  const document = result.bundle.parsed as unknown
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new GeneratorError('the document is not an object', { file: source, pointer: '' })
  }
  const files = [source, ...[...result.fileDependencies].filter((f) => f !== source)].sort((a, b) =>
    a === source ? -1 : b === source ? 1 : a < b ? -1 : 1,
  )
  return { document: document as Record<string, unknown>, source, files, lineOf: root.lineOf }
}

async function readSource(source: string, isUrl: boolean): Promise<string> {
  if (isUrl) {
    let response: Response
    try {
      response = await fetch(source)
    } catch (error) {
      throw new GeneratorError(`cannot fetch the document: ${(error as Error).message}`, { file: source })
    }
    if (!response.ok)
      throw new GeneratorError(`fetching the document returned ${response.status}`, { file: source })
    return response.text()
  }
  const info = await stat(source).catch(() => undefined)
  if (!info?.isFile()) throw new GeneratorError('input file not found', { file: source })
  return readFile(source, 'utf8')
}

/** Refuses what is not OpenAPI 3.0/3.1 before anything else reads it, naming the field. */
function checkVersion(value: unknown, file: string, lineOf: (pointer: string) => number | undefined) {
  const doc = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
  const refuse = (problem: string, pointer: string) => {
    const line = lineOf(pointer)
    throw new GeneratorError(problem, { file, pointer, ...(line ? { line } : {}) })
  }
  if (doc.swagger !== undefined)
    refuse('OpenAPI 2.0 (swagger) is not supported; convert it to 3.x', '/swagger')
  if (typeof doc.openapi !== 'string' || !/^3\.[01]\./.test(doc.openapi)) {
    refuse('not an OpenAPI 3.0 or 3.1 document: `openapi` must be "3.0.x" or "3.1.x"', '/openapi')
  }
}

/** Every `$ref` string in the document with the path of the object holding it. */
function collectRefs(value: unknown): { ref: string; at: string[] }[] {
  const found: { ref: string; at: string[] }[] = []
  const walk = (node: unknown, at: string[]) => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) walk(node[i], [...at, String(i)])
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        if (key === '$ref' && typeof child === 'string') found.push({ ref: child, at })
        else walk(child, [...at, key])
      }
    }
  }
  walk(value, [])
  return found
}

function resolveRef(doc: unknown, ref: string): unknown {
  let node = doc
  for (const segment of fromPointer(ref)) {
    if (typeof node !== 'object' || node === null) return undefined
    node = (node as Record<string, unknown>)[segment]
  }
  return node
}

/**
 * Parses JSON (fast) or YAML. Positions are only needed for error messages, so the YAML parse
 * that keeps them runs on the first `lineOf` call (and to explain a syntax error).
 */
function parseText(
  text: string,
  source: string,
): { value: unknown; lineOf(pointer: string): number | undefined } {
  let positions: ReturnType<typeof parseWithPositions> | undefined
  const withPositions = () => {
    positions ??= parseWithPositions(text, source)
    return positions
  }
  let value: unknown
  if (/^\s*[{[]/.test(text)) {
    try {
      value = JSON.parse(text)
    } catch {
      value = withPositions().value
    }
  } else value = withPositions().value
  return { value, lineOf: (pointer) => withPositions().lineOf(pointer) }
}

/** Parses JSON or YAML (a JSON document is YAML) keeping positions, so errors can name a line. */
function parseWithPositions(
  text: string,
  source: string,
): { value: unknown; lineOf(pointer: string): number | undefined } {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false })
  const error = doc.errors[0]
  if (error) {
    const line = error.linePos?.[0]?.line
    throw new GeneratorError(`not valid JSON or YAML: ${error.message.split('\n')[0]}`, {
      file: source,
      ...(line ? { line } : {}),
    })
  }
  return {
    value: doc.toJS(),
    lineOf(pointer) {
      let node: Node | null | undefined = doc.contents
      let line: number | undefined
      for (const segment of fromPointer(pointer)) {
        if (isMap(node)) {
          const pair = node.items.find(
            (p) => String((p.key as { value?: unknown })?.value ?? p.key) === segment,
          )
          if (!pair) break
          const key = pair.key as Node | null
          if (key?.range) line = lineCounter.linePos(key.range[0]).line
          node = pair.value as Node | null
        } else if (isSeq(node)) {
          node = node.items[Number(segment)] as Node | null
          if (node?.range) line = lineCounter.linePos(node.range[0]).line
        } else break
      }
      return line
    },
  }
}
