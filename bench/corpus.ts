/**
 * `npm run bench:corpus`: every document of the generator's corpus of real-world OpenAPI documents
 * (packages/generator/test/corpus/corpus.ts) through three generators side by side in one run:
 *
 * - ours: `generate()` of `@pattern-stack/sync-patterns-generator`, strict; when it refuses a
 *   document (an `invalid` one should be refused, with a JSON pointer), again with `lenient: true`;
 * - Orval (`client: 'react-query'`, `httpClient: 'fetch'`, `mode: 'tags-split'`);
 * - Hey API (`@hey-api/openapi-ts`: `@hey-api/client-fetch` and `@tanstack/react-query` plugins).
 *
 * Per document and tool: the generate time (wall clock, median of ROUNDS rounds, the tools taking
 * turns within a round, the first tool rotating from round to round), whether it generated, and
 * whether its output passes tsc --strict (the generator's own test options: strict,
 * noUncheckedIndexedAccess, skipLibCheck, moduleResolution Bundler, ES2023 + DOM, react-jsx), with
 * the number of errors when it does not. Each tool runs in its own child process
 * (corpus-worker.ts), loaded once and warmed on a small document before its first timed run, so
 * module loading is not timed; a run that passes the time cap is killed with its process, so a tool
 * that hangs, crashes or fails is a result in the table, not the end of the bench. Output goes to
 * RAM (/dev/shm) when the machine has it, in a directory whose node_modules is a link to the repo's.
 * Writes the section "## Corpus: …" of docs/generator.md and prints it.
 *
 * Environment: ROUNDS (3), TIMEOUT_S (120, per tool run), COMPILE_TIMEOUT_S (300, per type-check),
 * ONLY (comma-separated document names), WRITE=0 (print only), BENCH_DIR (work directory's parent),
 * CORPUS_DIR (a folder with its own corpus.ts and documents/, instead of the generator's corpus).
 */

import { type ChildProcess, execFileSync, fork } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { CORPUS, type CorpusDocument } from '../packages/generator/test/corpus/corpus.js'
import type { Job, JobRequest, Reply, Tool, WorkerKind } from './corpus-worker.js'
import { firstLine } from './corpus-worker.js'
import { writeDocSection } from './performance-doc.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const TIMEOUT_S = Number(process.env.TIMEOUT_S ?? 120)
const COMPILE_TIMEOUT_S = Number(process.env.COMPILE_TIMEOUT_S ?? 300)
const WRITE_DOC = process.env.WRITE !== '0'
const GENERATOR_MD = join(REPO, 'docs/generator.md')
const CORPUS_DIR = process.env.CORPUS_DIR ?? join(REPO, 'packages/generator/test/corpus')
const WARMUP_DOC = join(REPO, 'packages/generator/test/fixtures/orders-fastify.openapi.json')

const corpus: readonly CorpusDocument[] = process.env.CORPUS_DIR
  ? (await import(pathToFileURL(join(CORPUS_DIR, 'corpus.ts')).href)).CORPUS
  : CORPUS
const only = process.env.ONLY?.split(',').map((s) => s.trim())
const documents = only ? corpus.filter((d) => only.includes(d.name)) : corpus
if (documents.length === 0) {
  console.error(
    only
      ? `no corpus document is named ${only.join(', ')}`
      : `the corpus (${CORPUS_DIR}/corpus.ts) has no documents yet`,
  )
  process.exit(1)
}

const TOOLS = ['ours', 'orval', 'heyapi'] as const satisfies readonly Tool[]
const TOOL_NAMES: Record<Tool, string> = { ours: 'sync-patterns', orval: 'Orval', heyapi: 'Hey API' }

const packageVersion = (dir: string): string =>
  JSON.parse(readFileSync(join(REPO, dir, 'package.json'), 'utf8')).version
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim()
  } catch {
    return 'unknown commit'
  }
})()
const VERSIONS: Record<Tool, string> = {
  ours: `${packageVersion('packages/generator')} (${commit})`,
  orval: packageVersion('node_modules/orval'),
  heyapi: packageVersion('node_modules/@hey-api/openapi-ts'),
}

// Output goes to RAM when the machine has it (see bench/generate.ts: this VM's disk makes file
// creation cost vary tenfold from one minute to the next). The work directory's node_modules links
// to the repo's, so the type-check resolves @tanstack/react-query and @pattern-stack/sync-patterns.
const base = process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir())
const work = mkdtempSync(join(base, 'bench-corpus-'))
symlinkSync(join(REPO, 'node_modules'), join(work, 'node_modules'), 'dir')

type Outcome =
  | Exclude<Reply, { kind: 'ready' }>
  | { kind: 'timeout'; ms: number }
  | { kind: 'crashed'; ms: number; message: string }

/** One child process (corpus-worker.ts) for one tool, or for the type-checks; started again after a kill. */
class Worker {
  private child: ChildProcess | undefined
  private ready: Promise<void> | undefined
  private stderr = ''
  private nextId = 0

  constructor(readonly kind: WorkerKind) {}

  private start(): Promise<void> {
    this.stderr = ''
    const child = fork(fileURLToPath(new URL('./corpus-worker.ts', import.meta.url)), [this.kind], {
      execArgv: [...process.execArgv, '--max-old-space-size=8192'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    child.on('error', () => {}) // a failed kill or send: the exit handler or the time cap reports it
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000)
    })
    this.child = child
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve())
      child.once('exit', (code, signal) =>
        reject(new Error(`exited (${signal ?? code}) while loading: ${this.lastError()}`)),
      )
    })
  }

  private lastError(): string {
    const lines = this.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
    return lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? 'no output'
  }

  stop(): void {
    this.child?.kill('SIGKILL')
    this.forget(this.child)
  }

  /** After `child` died: the next job starts a new process (unless one has already been started). */
  private forget(child: ChildProcess | undefined): void {
    if (this.child !== child) return
    this.child = undefined
    this.ready = undefined
  }

  /** Runs one job; a job still running after `timeoutS` is ended with its process. */
  async run(job: JobRequest, timeoutS: number): Promise<Outcome> {
    const started = performance.now()
    if (!this.ready) {
      const ready = this.start()
      ready.catch(() => {})
      this.ready = ready
    }
    const child = this.child
    const ready = this.ready
    const id = this.nextId++
    return await new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => {
        cleanup()
        child?.kill('SIGKILL')
        this.forget(child)
        resolve({ kind: 'timeout', ms: performance.now() - started })
      }, timeoutS * 1000)
      const onMessage = (reply: Reply) => {
        if (reply.id !== id || reply.kind === 'ready') return
        cleanup()
        resolve(reply)
      }
      const onExit = (code: number | null, signal: string | null) => {
        cleanup()
        this.forget(child)
        resolve({
          kind: 'crashed',
          ms: performance.now() - started,
          message: `process exited (${signal ?? code}): ${this.lastError()}`,
        })
      }
      const cleanup = () => {
        clearTimeout(timer)
        child?.off('message', onMessage)
        child?.off('exit', onExit)
      }
      child?.on('message', onMessage)
      child?.on('exit', onExit)
      ready?.then(
        () => child?.send({ ...job, id } satisfies Job, () => {}), // a send error shows as the exit
        (error: Error) => {
          cleanup()
          this.forget(child)
          resolve({ kind: 'crashed', ms: performance.now() - started, message: error.message })
        },
      )
    })
  }
}

const workers = {
  ours: new Worker('ours'),
  orval: new Worker('orval'),
  heyapi: new Worker('heyapi'),
  tsc: new Worker('tsc'),
} satisfies Record<WorkerKind, Worker>
const warmed = new Set<Tool>()
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    for (const worker of Object.values(workers)) worker.stop()
    rmSync(work, { recursive: true, force: true })
    process.exit(130)
  })

interface ToolResult {
  samples: number[]
  /** Ours: the strict run's refusal, after which it ran lenient. */
  refusal?: { message: string; pointer: string | undefined }
  lenient: boolean
  /** Why it produced nothing (then no time and no type-check). */
  failure?: string
  /** Later rounds that failed after an earlier one generated. */
  note?: string
  /** The last round's output, type-checked. */
  output?: string
  tsc?: { errors: number; first: string | undefined } | { failure: string }
}
interface DocumentResult {
  doc: CorpusDocument
  tools: Record<Tool, ToolResult>
}

/** Messages name the corpus's files relative to its documents/ folder. */
const DOCUMENTS = `${join(CORPUS_DIR, 'documents')}/`
const describeFailure = (o: Outcome): string => {
  switch (o.kind) {
    case 'timeout':
      return `timed out (${TIMEOUT_S} s)`
    case 'crashed':
      return `crashed: ${o.message}`
    case 'failed':
      return `error: ${o.message.replace(/^Error: /, '')}`
    case 'refused':
      return `refused: ${firstLine(o.message)}`
    default:
      return `unexpected reply ${o.kind}`
  }
}

async function generateOnce(tool: Tool, input: string, output: string, lenient: boolean) {
  if (!warmed.has(tool)) {
    // Un-timed: the first run in a new process compiles the tool's code (JIT).
    const warm = await workers[tool].run(
      { kind: 'generate', input: WARMUP_DOC, output: join(work, `warm-up-${tool}`) },
      TIMEOUT_S,
    )
    rmSync(join(work, `warm-up-${tool}`), { recursive: true, force: true })
    if (warm.kind === 'timeout' || warm.kind === 'crashed')
      process.stderr.write(`warm-up of ${tool}: ${describeFailure(warm)}\n`)
    else warmed.add(tool)
  }
  const outcome = await workers[tool].run({ kind: 'generate', input, output, lenient }, TIMEOUT_S)
  if (outcome.kind === 'timeout' || outcome.kind === 'crashed') warmed.delete(tool) // a new process
  return outcome
}

const benchStart = performance.now()
const loadAtStart = loadavg()[0] ?? 0
const results: DocumentResult[] = []
for (const [index, doc] of documents.entries()) {
  const input = join(CORPUS_DIR, 'documents', doc.entry)
  const dir = join(work, doc.name)
  const tools: Record<Tool, ToolResult> = {
    ours: { samples: [], lenient: false },
    orval: { samples: [], lenient: false },
    heyapi: { samples: [], lenient: false },
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const order = TOOLS.map((_, i) => TOOLS[(i + round - 1) % TOOLS.length] as Tool)
    for (const tool of order) {
      const result = tools[tool]
      if (result.failure !== undefined) continue
      const output = join(dir, `${tool}-${round}`)
      let outcome = await generateOnce(tool, input, output, result.lenient)
      if (tool === 'ours' && outcome.kind === 'refused' && !result.lenient) {
        result.refusal = { message: outcome.message.replaceAll(DOCUMENTS, ''), pointer: outcome.pointer }
        result.lenient = true
        rmSync(output, { recursive: true, force: true })
        outcome = await generateOnce(tool, input, output, true)
      }
      const status =
        outcome.kind === 'generated' ? `${outcome.ms.toFixed(0)} ms` : describeFailure(outcome).slice(0, 160)
      process.stderr.write(
        `[${index + 1}/${documents.length}] ${doc.name} round ${round}: ${tool}${result.lenient ? ' (lenient)' : ''} ${status}\n`,
      )
      if (outcome.kind !== 'generated') {
        rmSync(output, { recursive: true, force: true })
        if (result.samples.length === 0) {
          result.failure = describeFailure(outcome).replaceAll(DOCUMENTS, '')
          continue
        }
        // It generated in an earlier round: the result stands, this round is a note, and a run that
        // hit the cap counts as the cap (the slowest sample, so the median is still exact unless half
        // the rounds hit it; then the time is shown as "≥").
        const note = `round ${round}: ${describeFailure(outcome).replaceAll(DOCUMENTS, '')}`
        result.note = result.note === undefined ? note : `${result.note}; ${note}`
        if (outcome.kind === 'timeout') result.samples.push(TIMEOUT_S * 1000)
        continue
      }
      result.samples.push(outcome.ms)
      if (result.output !== undefined) rmSync(result.output, { recursive: true, force: true })
      result.output = output // the last round's output is type-checked
    }
  }
  for (const tool of TOOLS) {
    const result = tools[tool]
    if (result.failure !== undefined || result.output === undefined) continue
    const checked = await workers.tsc.run({ kind: 'compile', dir: result.output }, COMPILE_TIMEOUT_S)
    result.tsc =
      checked.kind === 'compiled'
        ? { errors: checked.errors, first: checked.first }
        : {
            failure:
              checked.kind === 'timeout'
                ? `type-check timed out (${COMPILE_TIMEOUT_S} s)`
                : describeFailure(checked),
          }
    process.stderr.write(
      `[${index + 1}/${documents.length}] ${doc.name} tsc: ${tool} ${'errors' in result.tsc ? `${result.tsc.errors} errors` : result.tsc.failure} (${checked.ms.toFixed(0)} ms)\n`,
    )
  }
  rmSync(dir, { recursive: true, force: true })
  results.push({ doc, tools })
}
for (const worker of Object.values(workers)) worker.stop()
rmSync(work, { recursive: true, force: true })
const benchSeconds = (performance.now() - benchStart) / 1000

// ---- the report ----

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}
const generated = (r: ToolResult) => r.failure === undefined && r.samples.length > 0
const compiles = (r: ToolResult) => r.tsc !== undefined && 'errors' in r.tsc && r.tsc.errors === 0
const cell = (text: string, max = 90) => {
  const one = text.replace(/\s+/g, ' ').trim()
  return (one.length > max ? `${one.slice(0, max - 1)}…` : one).replace(/\|/g, '\\|')
}
const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`)
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

function describe(r: ToolResult): string {
  const parts: string[] = []
  if (r.refusal)
    parts.push(`refused (${r.refusal.pointer ? `at ${r.refusal.pointer}` : 'no pointer'}) / lenient:`)
  if (r.failure !== undefined) parts.push(r.failure)
  else if (r.tsc === undefined) parts.push('ok')
  else if ('failure' in r.tsc) parts.push(`ok, ${r.tsc.failure}`)
  else parts.push(r.tsc.errors === 0 ? 'ok, tsc ✓' : `ok, tsc: ${plural(r.tsc.errors, 'error')}`)
  if (r.note !== undefined) parts.push(`(${r.note})`)
  return parts.join(' ')
}

const header = ['document', 'operations', ...TOOLS.flatMap((t) => [`${TOOL_NAMES[t]}`, 'result'])]
const rows = results.map(({ doc, tools }) => {
  const flags = [doc.openapi, doc.invalid ? 'invalid' : '', doc.tolerated ? 'tolerated' : '']
    .filter(Boolean)
    .join(', ')
  return [
    `${doc.name} (${flags})`,
    String(doc.operations),
    ...TOOLS.flatMap((t) => {
      const r = tools[t]
      const time = median(r.samples)
      return [generated(r) ? `${time >= TIMEOUT_S * 1000 ? '≥ ' : ''}${ms(time)}` : '—', cell(describe(r))]
    }),
  ]
})
const allThree = results.filter((r) => TOOLS.every((t) => generated(r.tools[t])))
const total = (t: Tool, set: readonly DocumentResult[]) =>
  set.reduce((sum, r) => sum + (generated(r.tools[t]) ? median(r.tools[t].samples) : 0), 0)
const totalsRow = [
  `**total** (${results.length} documents)`,
  String(results.reduce((n, r) => n + r.doc.operations, 0)),
  ...TOOLS.flatMap((t) => {
    const gen = results.filter((r) => generated(r.tools[t])).length
    const ok = results.filter((r) => compiles(r.tools[t])).length
    return [ms(total(t, results)), `generated ${gen}/${results.length}, tsc ✓ ${ok}/${results.length}`]
  }),
]
const table = [
  `| ${header.join(' | ')} |`,
  `|${header.map((_, i) => (i === 1 || (i > 1 && i % 2 === 0) ? '---:' : '---')).join('|')}|`,
  ...[...rows, totalsRow].map((r) => `| ${r.join(' | ')} |`),
].join('\n')

const oursAll = total('ours', allThree)
const ratioLine = (t: Tool) => {
  const theirs = total(t, allThree)
  return `${TOOL_NAMES[t]} ${ms(theirs)} (ours ${theirs > 0 ? (oursAll / theirs).toFixed(2) : '—'}×)`
}
const invalid = results.filter((r) => r.doc.invalid)
const refusedWithPointer = invalid.filter((r) => r.tools.ours.refusal?.pointer !== undefined).length
const problems = results.flatMap(({ doc, tools }) =>
  TOOLS.flatMap((t) => {
    const r = tools[t]
    const lines: string[] = []
    if (t === 'ours' && r.refusal && !doc.invalid)
      lines.push(
        `- ${doc.name}, sync-patterns refused a document not marked invalid (then generated it with \`lenient\`): ${cell(firstLine(r.refusal.message), 300)}`,
      )
    if (t === 'ours' && doc.invalid && !r.refusal)
      lines.push(
        `- ${doc.name}, sync-patterns generated a document marked invalid without refusing it (${doc.invalid})`,
      )
    if (r.note !== undefined) lines.push(`- ${doc.name}, ${TOOL_NAMES[t]}: ${cell(r.note, 300)}`)
    if (r.failure !== undefined) lines.push(`- ${doc.name}, ${TOOL_NAMES[t]}: ${cell(r.failure, 300)}`)
    else if (r.tsc && 'failure' in r.tsc) lines.push(`- ${doc.name}, ${TOOL_NAMES[t]}: ${r.tsc.failure}`)
    else if (r.tsc && r.tsc.errors > 0)
      lines.push(
        `- ${doc.name}, ${TOOL_NAMES[t]}: ${plural(r.tsc.errors, 'type error')}, the first \`${cell(r.tsc.first ?? '', 200).replace(/`/g, "'")}\``,
      )
    return lines
  }),
)

const cpu = cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU'
const section = [
  '## Corpus: sync-patterns, Orval and Hey API side by side',
  '',
  `\`npm run bench:corpus\` (bench/corpus.ts) — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu},`,
  `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadAtStart.toFixed(1)} at the start; the whole run took ${(benchSeconds / 60).toFixed(1)} min.`,
  `Every document of the generator's corpus (\`packages/generator/test/corpus\`, real-world documents as their`,
  'publishers ship them; sources and licences in its README) through three generators:',
  '',
  `- sync-patterns ${VERSIONS.ours}: \`generate()\` of \`@pattern-stack/sync-patterns-generator\`, strict; a document it`,
  '  refuses (an `invalid` one must be refused, with a JSON pointer) is generated again with `lenient: true`, and the',
  '  time is the lenient run;',
  `- Orval ${VERSIONS.orval}: \`client: 'react-query'\`, \`httpClient: 'fetch'\`, \`mode: 'tags-split'\`;`,
  `- Hey API (\`@hey-api/openapi-ts\`) ${VERSIONS.heyapi}: plugins \`@hey-api/client-fetch\` and \`@tanstack/react-query\``,
  '  (0.95 is the last release that runs on Node 20; later ones need Node 22).',
  '',
  `Time: wall clock of the tool's programmatic call, median of ${plural(ROUNDS, 'round')} in which the tools take turns (the first`,
  'tool rotating), each tool in its own Node process that loaded it once and was warmed on a small document first, output',
  `written to ${base}; a run is capped at ${TIMEOUT_S} s (a later round that hits the cap counts as ${TIMEOUT_S} s, with a note). Result: whether the tool wrote its output, and whether that output`,
  "passes `tsc --strict` (the compiler API with the options of the generator's own tests: `strict`,",
  '`noUncheckedIndexedAccess`, `skipLibCheck`, `moduleResolution: Bundler`, ES2023 + DOM, `jsx: react-jsx`; the same for all',
  "three, against the repo's node_modules). ✓ is 0 errors. The tools do not do the same work: ours also emits optimistic",
  'mutation hooks and formats every file with Biome, Orval and Hey API format nothing by default; absolute times depend on',
  'the machine and its load.',
  '',
  table,
  '',
  `Total time over the ${plural(allThree.length, 'document')} all three generated: sync-patterns ${ms(oursAll)}, ${ratioLine('orval')}, ${ratioLine('heyapi')}.`,
  ...(invalid.length > 0
    ? [
        '',
        `Invalid documents (the manifest's \`invalid\`): ours refused ${refusedWithPointer} of ${invalid.length} with a JSON pointer.`,
      ]
    : []),
  '',
  ...(problems.length > 0
    ? ['Failures and type errors (the first line of each):', '', ...problems]
    : ['Every tool generated every document, and every output compiles.']),
  '',
].join('\n')

console.log(`\n${section}`)
if (WRITE_DOC) {
  writeDocSection(GENERATOR_MD, section, { marker: 'corpus' })
  process.stderr.write('wrote docs/generator.md\n')
}
