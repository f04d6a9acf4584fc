import { resolve } from 'node:path'
import { emitOwnFiles, sortFiles } from './emit/emit-all.js'
import { type FormatterChoice, formatFiles } from './format.js'
import { loadSpec } from './load-spec.js'
import type { ApiModel } from './model.js'
import { normalize } from './normalize.js'
import { openApiTypesInWorker, warmTypesWorker } from './types-in-worker.js'
import { diffOutput, type OutputDiff, writeOutput } from './write-output.js'

export interface GenerateOptions {
  /** OpenAPI document: a file path (JSON or YAML) or an http(s) URL. */
  input: string
  /** Directory to write into, such as `src/generated`. */
  output: string
  /** Delete generated files the new output no longer has (default false). */
  clean?: boolean
  /** Compare only, write nothing (for CI). */
  check?: boolean
  /** Directory relative paths are resolved against (default: the process's). */
  cwd?: string
  /** Formats every generated file: `auto` (default) is Biome (the project's, else this package's own), prettier only where Biome has no binary; same style either way. */
  formatter?: FormatterChoice
  /** Skip each invalid operation with a warning (`result.warnings`) instead of refusing the document. */
  lenient?: boolean
}

export interface GenerateResult {
  /** Absolute output directory. */
  output: string
  /** Generated files, path relative to `output` → content. */
  files: Map<string, string>
  /** What differed from the output directory before this run (in check mode: what would change). */
  diff: OutputDiff
  /** Files the input was read from (root first). */
  sources: string[]
  model: ApiModel
  /** `model.warnings`: operations skipped in lenient mode (method, path, file, line, JSON pointer, problem), bodies the client cannot send. */
  warnings: string[]
}

/** Runs the pipeline in memory: load → bundle → normalize → emit → format. */
export async function generateFiles(
  input: string,
  cwd = process.cwd(),
  formatter: FormatterChoice = 'auto',
  options: { lenient?: boolean } = {},
) {
  const { own, types, model, sources } = await runPipeline(input, cwd, formatter, options.lenient)
  return { files: sortFiles(new Map([...own, ...(await types)])), model, sources, warnings: model.warnings }
}

/** Generates the client, schemas, hooks and runtime re-exports into `options.output`. */
export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const cwd = options.cwd ?? process.cwd()
  const output = resolve(cwd, options.output)
  const { own, types, model, sources } = await runPipeline(
    options.input,
    cwd,
    options.formatter,
    options.lenient,
  )
  // Our files are written at once, while the worker is still building the types.
  const written = options.check ? undefined : await writeOutput(output, own, options.clean ?? false, types)
  const files = sortFiles(new Map([...own, ...(await types)]))
  const diff = written ?? (await diffOutput(output, files))
  return { output, files, diff, sources, model, warnings: model.warnings }
}

/** Our own files, ready; the types file, still being built on the worker thread. */
async function runPipeline(input: string, cwd: string, formatter: FormatterChoice = 'auto', lenient = false) {
  warmTypesWorker() // loads TypeScript on the other core while this one reads the document
  const spec = await loadSpec(input, cwd)
  // The types (the slowest step) are built on the worker thread while this thread does the rest.
  const printing = openApiTypesInWorker(spec.document)
  printing.catch(() => {}) // awaited later; this only keeps an early throw from leaving it unhandled
  const model = normalize(spec.document, { file: spec.source, lineOf: spec.lineOf }, { lenient })
  // The templates write plain code and the formatter lays every file out: the types file as soon as
  // the worker delivers it, our files at once (one Biome run each, which may overlap).
  const types = printing.then((printed) =>
    formatFiles(new Map([['schemas/openapi.ts', printed]]), formatter, cwd),
  )
  types.catch(() => {})
  const own = await formatFiles(emitOwnFiles(model), formatter, cwd)
  return { own, types, model, sources: spec.files }
}
