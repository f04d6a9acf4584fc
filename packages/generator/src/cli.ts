import { watch as watchFile } from 'node:fs'
import { relative } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from './config.js'
import { type GenerateResult, generate } from './generate.js'
import { GeneratorError } from './generator-error.js'

const USAGE = `Usage: sync-patterns generate --input <file|URL> --output <dir> [--watch] [--check] [--clean] [--lenient] [--config <file>]

  --input,  -i   OpenAPI 3.0/3.1 document (JSON or YAML), a path or an http(s) URL
  --output, -o   directory to generate into, such as src/generated
  --watch,  -w   regenerate when the input (or a file it references) changes
  --check        write nothing; exit 1 and list the differences when the output is stale (for CI)
  --clean        delete generated files the new output no longer has
  --lenient      skip each invalid operation with a warning naming it, and generate the rest
  --config, -c   config file (default: sync-patterns.config.ts in the current directory)

Every option can also be set in sync-patterns.config.ts: export default { input, output, clean, lenient }.`

export interface CliIO {
  out: (line: string) => void
  err: (line: string) => void
  cwd: string
  /** Stops `--watch` (which otherwise runs until the process ends). */
  signal?: AbortSignal
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 stale output in --check, 2 bad input or usage). */
export async function runCli(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  const { positionals, values } = parsed
  if (values.help) {
    io.out(USAGE)
    return 0
  }
  if (positionals[0] !== 'generate' || positionals.length > 1) {
    io.err(`${positionals[0] ? `unknown command "${positionals.join(' ')}"` : 'missing command'}\n\n${USAGE}`)
    return 2
  }
  try {
    const config = (await loadConfig(io.cwd, values.config)) ?? {}
    const input = values.input ?? config.input
    const output = values.output ?? config.output
    if (!input || !output) {
      io.err(
        `missing ${!input ? '--input' : '--output'} (give it as a flag or in sync-patterns.config.ts)\n\n${USAGE}`,
      )
      return 2
    }
    const options = {
      input,
      output,
      cwd: io.cwd,
      clean: values.clean ?? config.clean ?? false,
      check: values.check ?? false,
      lenient: values.lenient ?? config.lenient ?? false,
    }
    const run = async () => {
      const result = await generate(options)
      report(result, options, io)
      return result
    }
    const first = await run()
    if (values.watch) return watchLoop(first, run, io)
    return options.check && hasChanges(first) ? 1 : 0
  } catch (error) {
    io.err(error instanceof GeneratorError ? `error: ${error.message}` : `error: ${(error as Error).stack}`)
    return 2
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      input: { type: 'string', short: 'i' },
      output: { type: 'string', short: 'o' },
      config: { type: 'string', short: 'c' },
      watch: { type: 'boolean', short: 'w' },
      check: { type: 'boolean' },
      clean: { type: 'boolean' },
      lenient: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

function hasChanges(result: GenerateResult): boolean {
  const { added, changed, stale } = result.diff
  return added.length + changed.length + stale.length > 0
}

function report(result: GenerateResult, { check, clean }: { check: boolean; clean: boolean }, io: CliIO) {
  const where = relative(io.cwd, result.output) || '.'
  const { added, changed, stale } = result.diff
  for (const warning of result.model.warnings) io.err(`warning: ${warning}`)
  if (check) {
    if (!hasChanges(result)) {
      io.out(`${where} is up to date (${result.files.size} files)`)
      return
    }
    io.err(`${where} is out of date:`)
    for (const f of added) io.err(`  missing  ${f}`)
    for (const f of changed) io.err(`  differs  ${f}`)
    for (const f of stale) io.err(`  stale    ${f}`)
    io.err('run `sync-patterns generate` and commit the result')
    return
  }
  for (const f of added) io.out(`  wrote    ${where}/${f}`)
  for (const f of changed) io.out(`  updated  ${where}/${f}`)
  for (const f of stale)
    io.out(
      clean
        ? `  deleted  ${where}/${f}`
        : `  stale    ${where}/${f} (no longer generated; --clean deletes it)`,
    )
  const unchanged = result.files.size - added.length - changed.length
  io.out(
    `generated ${result.files.size} files in ${where} (${added.length} new, ${changed.length} updated, ${unchanged} unchanged)`,
  )
}

/** Regenerates on changes to any source file, debounced; runs until the process is stopped (or `io.signal` aborts). */
function watchLoop(first: GenerateResult, run: () => Promise<GenerateResult>, io: CliIO): Promise<number> {
  let timer: NodeJS.Timeout | undefined
  const watchers = new Map<string, ReturnType<typeof watchFile>>()
  const watchAll = (sources: string[]) => {
    for (const source of sources) {
      if (/^https?:/.test(source) || watchers.has(source)) continue
      watchers.set(
        source,
        watchFile(source, () => schedule()),
      )
    }
  }
  const schedule = () => {
    clearTimeout(timer)
    timer = setTimeout(() => {
      run().then(
        (result) => watchAll(result.sources),
        (error: unknown) => io.err(`error: ${(error as Error).message}`),
      )
    }, 100)
  }
  watchAll(first.sources)
  io.out('watching for changes (Ctrl-C to stop)')
  return new Promise((resolve) => {
    io.signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      for (const watcher of watchers.values()) watcher.close()
      resolve(0)
    })
  })
}

function defaultIO(): CliIO {
  return { out: (l) => console.log(l), err: (l) => console.error(l), cwd: process.cwd() }
}
