/**
 * The child process of bench/corpus.ts: one per tool (`ours`, `orval`, `heyapi`) and one that
 * type-checks (`tsc`), forked with the tool's name as its argument. It loads its tool once and then
 * runs the jobs the parent sends over IPC, one at a time, timing each call in this process (so a
 * tool's module loading is not timed, and it warms up as it would in a long-running build). The
 * parent kills it when a job passes the time cap, so a tool that hangs or runs out of memory is a
 * result, not the end of the bench.
 */

import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import ts from 'typescript'
import { generatedCompilerOptions } from '../packages/generator/test/support/compile-generated.js'

export type Tool = 'ours' | 'orval' | 'heyapi'
export type WorkerKind = Tool | 'tsc'

export type JobRequest =
  | { kind: 'generate'; input: string; output: string; lenient?: boolean }
  | { kind: 'compile'; dir: string }
export type Job = JobRequest & { id: number }

export type Reply =
  | { id: -1; kind: 'ready' }
  | { id: number; kind: 'generated'; ms: number; files: number }
  /** Ours refused the document (a GeneratorError, with the JSON pointer it names). */
  | { id: number; kind: 'refused'; ms: number; message: string; pointer: string | undefined }
  /** The tool threw, or (Orval, which logs instead of throwing) logged an error or wrote nothing. */
  | { id: number; kind: 'failed'; ms: number; message: string }
  | { id: number; kind: 'compiled'; ms: number; errors: number; first: string | undefined }

const kind = process.argv[2] as WorkerKind

/** The first line of what a tool said, without colours. */
export function firstLine(text: string): string {
  const plain = stripVTControlCharacters(text)
  return (
    plain
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? '(no message)'
  )
}

function countTsFiles(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f)).length
  } catch {
    return 0
  }
}

/**
 * What the tools print while they run (Orval logs its progress and its errors), kept per job. At
 * the stream level: Orval's logger holds its own reference to the original console.log.
 */
let captured: string[] = []
function capture(): () => void {
  const saved = { out: process.stdout.write, err: process.stderr.write }
  const keep = ((chunk: string | Uint8Array) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString())
    return true
  }) as typeof process.stdout.write
  process.stdout.write = keep
  process.stderr.write = keep
  return () => {
    process.stdout.write = saved.out
    process.stderr.write = saved.err
  }
}

/** Why a tool wrote nothing: the first error or warning it printed, if any (a document without operations gives Orval nothing to write). */
function noOutput(): string {
  const said = captured
    .join('\n')
    .split('\n')
    .find((l) => /error|warn|🛑|⚠/i.test(l))
  return said === undefined ? 'wrote no .ts file' : `wrote no .ts file (${firstLine(said)})`
}

type Run = (
  input: string,
  output: string,
  lenient: boolean,
) => Promise<{ refused?: { message: string; pointer: string | undefined } }>

async function loadGenerator(tool: Tool): Promise<Run> {
  if (tool === 'ours') {
    const { generate, GeneratorError } = await import('@pattern-stack/sync-patterns-generator')
    return async (input: string, output: string, lenient: boolean) => {
      try {
        await generate({ input, output, check: false, clean: true, lenient })
      } catch (error) {
        if (error instanceof GeneratorError) return { refused: error }
        throw error
      }
      return {}
    }
  }
  if (tool === 'orval') {
    const { generate } = await import('orval')
    return async (input: string, output: string) => {
      await generate(
        {
          input: { target: input },
          output: {
            target: join(output, 'api.ts'),
            client: 'react-query',
            httpClient: 'fetch',
            mode: 'tags-split',
            clean: true,
          },
        },
        dirname(output),
        {} as never, // not `silent`, which drops its error log too: what it prints is captured instead
      )
      // Orval catches its own errors and logs them (🛑 …) instead of throwing.
      const error = captured.find((l) => l.includes('🛑'))
      if (error !== undefined) throw new Error(error.replace(/^.*🛑\s*/, ''))
      return {}
    }
  }
  const { createClient } = await import('@hey-api/openapi-ts')
  return async (input: string, output: string) => {
    await createClient({
      input,
      output: { path: output, clean: true },
      plugins: ['@hey-api/client-fetch', '@tanstack/react-query'],
      logs: { level: 'silent', file: false },
      interactive: false,
    })
    return {}
  }
}

/** The message of an error, unwrapped from Hey API's JobError. */
function messageOf(error: unknown): string {
  const inner = (error as { originalError?: { error?: unknown } })?.originalError?.error ?? error
  if (inner instanceof Error) return inner.message || inner.stack || inner.name
  return String(inner)
}

/**
 * tsc --strict over every file in `dir`, with the options the generator's own tests use
 * (generatedCompilerOptions). `dir` sits where `node_modules` resolves to the repo's,
 * so `@tanstack/react-query` and `@pattern-stack/sync-patterns/runtime` (its `source` export) are found.
 */
function compile(dir: string): { errors: number; first: string | undefined } {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f))
    .map((f) => join(dir, f))
  const program = ts.createProgram(files, generatedCompilerOptions)
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
  const d = diagnostics[0]
  const first =
    d &&
    `${d.file ? `${d.file.fileName.startsWith(dir) ? d.file.fileName.slice(dir.length + 1) : d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}TS${d.code} ${firstLine(ts.flattenDiagnosticMessageText(d.messageText, '\n'))}`
  return { errors: diagnostics.length, first }
}

// Imported by corpus.ts for its types and firstLine: the worker runs only as a forked child.
if (process.send !== undefined) {
  const run = kind === 'tsc' ? undefined : await loadGenerator(kind)
  const send = (reply: Reply) => process.send?.(reply)

  process.on('message', async (job: Job) => {
    if (job.kind === 'compile') {
      const start = performance.now()
      const { errors, first } = compile(job.dir)
      send({ id: job.id, kind: 'compiled', ms: performance.now() - start, errors, first })
      return
    }
    if (!run) throw new Error(`the ${kind} worker does not generate`)
    captured = []
    const restore = capture()
    const start = performance.now()
    let reply: Reply
    try {
      const { refused } = await run(job.input, job.output, job.lenient ?? false)
      const ms = performance.now() - start
      const files = countTsFiles(job.output)
      if (refused)
        reply = { id: job.id, kind: 'refused', ms, message: refused.message, pointer: refused.pointer }
      else if (files === 0)
        reply = {
          id: job.id,
          kind: 'failed',
          ms,
          message: noOutput(),
        }
      else reply = { id: job.id, kind: 'generated', ms, files }
    } catch (error) {
      reply = {
        id: job.id,
        kind: 'failed',
        ms: performance.now() - start,
        message: firstLine(messageOf(error)),
      }
    } finally {
      restore()
    }
    send(reply)
  })
  send({ id: -1, kind: 'ready' })
}
