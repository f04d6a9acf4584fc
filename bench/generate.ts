/**
 * `npm run bench:generate`: time to generate a React Query client from a 300-operation OpenAPI
 * spec, `sync-patterns generate` against Orval 7's react-query output for the same spec, in one
 * run. Both write their files to a temp directory from the same JSON file; they take turns round
 * by round so machine noise hits both alike, after warm-up rounds (WARMUP). Writes the table to
 * docs/performance.md ("## Generator (bench:generate)").
 */

import { spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generate as syncPatternsGenerate } from '@pattern-stack/sync-patterns-generator'
import { generate as orvalGenerate } from 'orval'
import { emitOwnFiles } from '../packages/generator/src/emit/emit-all.js'
import { emitOpenApiTypes } from '../packages/generator/src/emit/emit-types.js'
import { formatFiles } from '../packages/generator/src/format.js'
import { loadSpec } from '../packages/generator/src/load-spec.js'
import { normalize } from '../packages/generator/src/normalize.js'
import { writeOutput } from '../packages/generator/src/write-output.js'
import { synthesizeSpec } from '../packages/generator/test/fixtures/synthesize-spec.js'
import { writePerformanceSection } from './performance-doc.js'

const RESOURCES = 60 // × 5 operations = 300
const ROUNDS = Number(process.env.ROUNDS ?? 15)
/**
 * In-process runs before measuring, for each generator alike: both are JIT-compiled JavaScript that
 * settles after a few runs (ours has two threads to warm). The cold CLI table below measures first
 * runs instead.
 */
const WARMUP = Number(process.env.WARMUP ?? 5)

function countFiles(dir: string): { files: number; bytes: number } {
  let files = 0
  let bytes = 0
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    files++
    bytes += statSync(join(entry.parentPath, entry.name)).size
  }
  return { files, bytes }
}

// Output goes to RAM (/dev/shm) when the machine has it: on this VM's disk (ext4 mounted with
// online discard) creating files costs 0.05 to 0.6 ms each from one minute to the next, which
// would measure the disk, not the generators. BENCH_DIR overrides.
const base = process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir())
/** Orval reports a failed biome run only as a log line: check the output really is in the repo's style. */
function assertFormatted(dir: string): void {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) =>
    e.name.endsWith('.ts'),
  )
  const texts = files
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .filter((t) => t.includes('import '))
  if (texts.length === 0 || texts.some((t) => t.includes('from "')))
    throw new Error(`Orval's biome option left ${dir} unformatted`)
}

/** Ours runs Biome on every file it writes: check that what it wrote is Biome's output. */
async function assertBiomeStyle(dir: string): Promise<void> {
  const files = new Map(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [join(e.parentPath, e.name), readFileSync(join(e.parentPath, e.name), 'utf8')] as const),
  )
  const formatted = await formatFiles(files, 'biome')
  const differing = [...files].filter(([path, text]) => formatted.get(path) !== text).map(([path]) => path)
  if (differing.length > 0) throw new Error(`not in Biome's style: ${differing.slice(0, 5).join(', ')}`)
}

const work = mkdtempSync(join(base, 'bench-generate-'))
const specPath = join(work, 'spec.json')
const spec = synthesizeSpec(RESOURCES)
writeFileSync(specPath, JSON.stringify(spec, null, 2))
writeFileSync(
  join(work, 'biome.json'),
  JSON.stringify({
    formatter: { enabled: true, indentStyle: 'space', indentWidth: 2, lineWidth: 110 },
    javascript: { formatter: { quoteStyle: 'single', semicolons: 'asNeeded' } },
    linter: { enabled: true, rules: { preset: 'recommended' } },
  }),
)
const operations = Object.values((spec as { paths: Record<string, object> }).paths).reduce(
  (n, item) => n + Object.keys(item).filter((k) => k !== 'x-sync').length,
  0,
)

const variants = {
  'sync-patterns generate': async (out: string) => {
    await syncPatternsGenerate({ input: specPath, output: out, clean: true })
  },
  'Orval 7.9 (react-query, tags-split)': async (out: string) => {
    await orvalGenerate(
      {
        input: { target: specPath },
        output: { target: join(out, 'api.ts'), client: 'react-query', mode: 'tags-split', clean: true },
      },
      work,
      { silent: true } as never,
    )
  },
  // Context, not the target: Orval's own `biome` option formats its output too (biome check --write
  // with the project's config), so this row is Orval producing formatted output, as ours is.
  'Orval 7.9, output formatted (its biome option)': async (out: string) => {
    // Orval runs `biome` in the current directory; there, the work directory's biome.json (the
    // repo's style) applies. (Run from the repo, Biome 2.6 crashes on files outside its root.)
    const cwd = process.cwd()
    process.chdir(work)
    try {
      await orvalGenerate(
        {
          input: { target: specPath },
          output: {
            target: join(out, 'api.ts'),
            client: 'react-query',
            mode: 'tags-split',
            clean: true,
            biome: true,
          },
        },
        work,
        { silent: true } as never,
      )
    } finally {
      process.chdir(cwd)
    }
  },
} as const
type Variant = keyof typeof variants

const warmupSamples: Record<Variant, number[]> = {
  'sync-patterns generate': [],
  'Orval 7.9 (react-query, tags-split)': [],
  'Orval 7.9, output formatted (its biome option)': [],
}
const samples: Record<Variant, number[]> = {
  'sync-patterns generate': [],
  'Orval 7.9 (react-query, tags-split)': [],
  'Orval 7.9, output formatted (its biome option)': [],
}
const sizes = {} as Record<Variant, { files: number; bytes: number }>
const silence = console.log
for (let round = 1 - WARMUP; round <= ROUNDS; round++) {
  for (const name of Object.keys(variants) as Variant[]) {
    const out = join(work, `${name.split(' ')[0]}-${round}`)
    console.log = () => {} // Orval logs progress
    const start = performance.now()
    try {
      await variants[name](out)
    } finally {
      console.log = silence
    }
    const ms = performance.now() - start
    if (round > 0)
      samples[name].push(ms) // rounds up to 0 warm up
    else warmupSamples[name].push(ms)
    sizes[name] = countFiles(out)
    if (name === 'sync-patterns generate' && round === 1) await assertBiomeStyle(out)
    if (name === 'Orval 7.9, output formatted (its biome option)') assertFormatted(out)
    rmSync(out, { recursive: true, force: true })
    process.stderr.write(`${round <= 0 ? 'warm-up' : `round ${round}`}: ${name} ${ms.toFixed(0)} ms\n`)
  }
}

/** Where our time goes: the same pipeline as generate(), stage by stage, run serially ROUNDS times (median). */
const stageNames = [
  'load + check refs',
  'normalize',
  'emit hooks/client',
  'types (openapi-typescript)',
  'format (Biome)',
  'write',
] as const
const stageSamples: Record<string, number[]> = Object.fromEntries(stageNames.map((n) => [n, []]))
for (let round = 0; round < ROUNDS; round++) {
  let t = performance.now()
  const lap = (name: (typeof stageNames)[number]) => {
    const now = performance.now()
    stageSamples[name]?.push(now - t)
    t = now
  }
  const loaded = await loadSpec(specPath)
  lap('load + check refs')
  const model = normalize(loaded.document, { file: loaded.source, lineOf: loaded.lineOf })
  lap('normalize')
  const own = emitOwnFiles(model)
  lap('emit hooks/client')
  const types = await emitOpenApiTypes(loaded.document)
  lap('types (openapi-typescript)')
  const formatted = await formatFiles(new Map([...own, ['schemas/openapi.ts', types]]))
  lap('format (Biome)')
  await writeOutput(join(work, `stages-${round}`), formatted, true)
  lap('write')
}
/**
 * Cold runs: a new Node process per run, as `npx sync-patterns generate` and `npx orval` run, so
 * loading each tool's modules counts. Ours runs from a build of the CLI (what the published package
 * runs) placed under node_modules/.cache, so its imports resolve to the repo's packages.
 */
const REPO = fileURLToPath(new URL('..', import.meta.url))
const cliDir = join(REPO, 'node_modules/.cache/bench-generate-cli')
const build = spawnSync(
  join(REPO, 'node_modules/.bin/tsup'),
  ['src/main.ts', 'src/types-worker.ts', '--format', 'esm', '--out-dir', cliDir, '--silent'],
  { cwd: join(REPO, 'packages/generator'), encoding: 'utf8' },
)
if (build.status !== 0) throw new Error(`building the CLI failed:\n${build.stderr}`)
const coldOut = join(work, 'cold')
const OURS_CLI = 'sync-patterns generate (CLI)'
const ORVAL_CLI = 'Orval 7.9 (CLI, react-query, tags-split)'
type ColdVariant = typeof OURS_CLI | typeof ORVAL_CLI

/**
 * Times both CLIs on one document, a new Node process per run, taking turns: one warm-up round, then
 * `rounds` measured ones. From the repo, as from a user's project: ours formats with the project's Biome.
 */
function timeColdRuns(label: string, spec: string, rounds: number): Record<ColdVariant, number[]> {
  const orvalConfig = join(work, `orval.${label}.config.cjs`)
  writeFileSync(
    orvalConfig,
    `module.exports = { ${label}: { input: { target: ${JSON.stringify(spec)} }, output: { target: ${JSON.stringify(join(coldOut, 'orval', 'api.ts'))}, client: 'react-query', mode: 'tags-split', clean: true } } }\n`,
  )
  const commands: Record<ColdVariant, string[]> = {
    [OURS_CLI]: [
      join(cliDir, 'main.js'),
      'generate',
      '--input',
      spec,
      '--output',
      join(coldOut, 'ours'),
      '--clean',
    ],
    [ORVAL_CLI]: [join(REPO, 'node_modules/orval/dist/bin/orval.js'), '--config', orvalConfig],
  }
  const samples: Record<ColdVariant, number[]> = { [OURS_CLI]: [], [ORVAL_CLI]: [] }
  for (let round = 0; round <= rounds; round++) {
    for (const name of [OURS_CLI, ORVAL_CLI] as const) {
      const start = performance.now()
      const run = spawnSync(process.execPath, commands[name], { cwd: REPO, encoding: 'utf8' })
      const ms = performance.now() - start
      if (run.status !== 0) throw new Error(`${name} on ${label} exited with ${run.status}:\n${run.stderr}`)
      if (round > 0) samples[name].push(ms)
      rmSync(coldOut, { recursive: true, force: true })
      process.stderr.write(
        `${label} ${round === 0 ? 'warm-up' : `round ${round}`}: ${name} ${ms.toFixed(0)} ms\n`,
      )
    }
  }
  return samples
}
const coldSamples = timeColdRuns('bench', specPath, ROUNDS)

/**
 * GitHub's REST API (1,223 operations), from npm's @octokit/openapi: the largest real-world document
 * we know of. The package is 385 MB unpacked (every GHES version), so the bench installs it once into
 * node_modules/.cache on first use instead of making it a dependency every `npm ci` downloads.
 */
const octokitDir = join(REPO, 'node_modules/.cache/bench-octokit-openapi')
const githubSpec = join(octokitDir, 'node_modules/@octokit/openapi/generated/api.github.com.json')
if (!existsSync(githubSpec)) {
  mkdirSync(octokitDir, { recursive: true })
  const install = spawnSync(
    'npm',
    ['install', '--prefix', octokitDir, '--no-save', '--no-audit', '--no-fund', '@octokit/openapi@23'],
    { encoding: 'utf8' },
  )
  if (install.status !== 0) throw new Error(`installing @octokit/openapi failed:\n${install.stderr}`)
}
const githubOperations = Object.values(
  JSON.parse(readFileSync(githubSpec, 'utf8')).paths as Record<string, Record<string, unknown>>,
).reduce((n, item) => n + Object.keys(item).filter((k) => /^(get|put|post|patch|delete)$/.test(k)).length, 0)
const GITHUB_ROUNDS = 3
const githubSamples = timeColdRuns('github', githubSpec, GITHUB_ROUNDS)

rmSync(work, { recursive: true, force: true })

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}
const ours = median(samples['sync-patterns generate'])
const orval = median(samples['Orval 7.9 (react-query, tags-split)'])
const rows = (Object.keys(variants) as Variant[]).map((name) => {
  const m = median(samples[name])
  const { files, bytes } = sizes[name]
  return `| ${name} | ${m.toFixed(0)} ms | ${Math.min(...samples[name]).toFixed(0)} ms | ${Math.max(...samples[name]).toFixed(0)} ms | ${(m / orval).toFixed(2)}× | ${files} | ${(bytes / 1024).toFixed(0)} KiB |`
})
const cpu = cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'unknown CPU'
const ratio = ours / orval
const coldOrval = median(coldSamples[ORVAL_CLI])
const ratioFormatted = ours / median(samples['Orval 7.9, output formatted (its biome option)'])
const warmOurs = median(warmupSamples['sync-patterns generate'])
const warmOrval = median(warmupSamples['Orval 7.9 (react-query, tags-split)'])
const section = [
  '## Generator (bench:generate)',
  '',
  `\`npm run bench:generate\` — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpu}, Node ${process.version}.`,
  `A synthesized OpenAPI 3.1 spec with ${operations} operations (${RESOURCES} resources × list/create/get/update/delete,`,
  'x-sync on every collection, 240 component schemas) generated from the same JSON file into a temp directory by',
  '`generate()` of `@pattern-stack/sync-patterns-generator` (load, check refs, openapi-typescript types, optimistic',
  "hooks, every file formatted by Biome in the repo's style, checked against Biome once per run of this bench) and by Orval's programmatic",
  "`generate` with `client: 'react-query'` (Orval's default: no formatter). Both in one process, taking turns,",
  `after ${WARMUP} warm-up rounds each; ${ROUNDS} rounds, median; output written to ${base}. Absolute times depend on the`,
  'machine and its load; the ratio is the result.',
  '',
  '| generator | median | fastest | slowest | vs Orval | files | output size |',
  '|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `Target (issue 13): formatted output ≤ 0.5× Orval producing formatted output as ours is (its \`biome\` option: \`biome check`,
  `--write\` over its files, with the repo's style in the work directory's biome.json). Measured: ${ratioFormatted.toFixed(2)}× — ${ratioFormatted <= 0.5 ? 'met' : 'NOT met'}.`,
  `Against Orval's default, which does not format at all: ${ratio.toFixed(2)}× (issue 5 measured this one, when our templates`,
  "copied Biome's layout rules to skip the formatter; issue 13 traded that for templates that read as their output).",
  `During the ${WARMUP} warm-up rounds (the first runs in the process, JIT not settled; ours has a worker thread to`,
  `warm too): ours ${warmOurs.toFixed(0)} ms, Orval ${warmOrval.toFixed(0)} ms, ${(warmOurs / warmOrval).toFixed(2)}× (median; the first includes starting the worker).`,
  '',
  'The same spec from the command line, a new Node process per run (what `npx` does), so loading each',
  "tool's modules and the first, not yet optimized run count; ours runs a build of the CLI, as the published package does:",
  '',
  '| command | median | fastest | slowest | vs Orval |',
  '|---|---|---|---|---|',
  ...([OURS_CLI, ORVAL_CLI] as const).map((name) => {
    const m = median(coldSamples[name])
    return `| ${name} | ${m.toFixed(0)} ms | ${Math.min(...coldSamples[name]).toFixed(0)} ms | ${Math.max(...coldSamples[name]).toFixed(0)} ms | ${(m / coldOrval).toFixed(2)}× |`
  }),
  '',
  `Target (issue 13): ≤ 1.0× Orval's cold CLI. Measured: ${(median(coldSamples[OURS_CLI]) / coldOrval).toFixed(2)}×.`,
  '',
  `GitHub's REST API (\`@octokit/openapi\` 23, \`api.github.com.json\`, ${githubOperations} operations), the same commands,`,
  `a new process per run, ${GITHUB_ROUNDS} rounds after one warm-up, median:`,
  '',
  '| command | median | fastest | slowest | vs Orval |',
  '|---|---|---|---|---|',
  ...([OURS_CLI, ORVAL_CLI] as const).map((name) => {
    const m = median(githubSamples[name])
    const o = median(githubSamples[ORVAL_CLI])
    return `| ${name} | ${m.toFixed(0)} ms | ${Math.min(...githubSamples[name]).toFixed(0)} ms | ${Math.max(...githubSamples[name]).toFixed(0)} ms | ${(m / o).toFixed(2)}× |`
  }),
  '',
  `Target (issue 13): ≤ 0.5× Orval. Measured: ${(median(githubSamples[OURS_CLI]) / median(githubSamples[ORVAL_CLI])).toFixed(2)}×.`,
  '',
  `Where sync-patterns' time goes (\`generate()\`'s stages timed one by one on one thread, median of ${ROUNDS}).`,
  '`generate()` itself builds the types on a worker thread while the main thread normalizes, emits and writes',
  'our files, so its median above is less than the sum:',
  '',
  `| ${stageNames.join(' | ')} |`,
  `|${stageNames.map(() => '---').join('|')}|`,
  `| ${stageNames.map((n) => `${median(stageSamples[n] ?? []).toFixed(0)} ms`).join(' | ')} |`,
  '',
  'How: the templates write plain code, and `biome format` (native) lays it out: one run over all our files',
  "joined into one text, while the worker builds the types, and one over openapi-typescript's file when it is",
  'ready (the two timed as one run above).',
  "The types step (openapi-typescript's transformer and the TypeScript printer, the slowest) runs on a worker",
  'thread that stays warm between runs. Also: no bundler (nor Redocly at all) for self-contained documents,',
  "openapi-typescript's default order (its `alphabetize` sorts with a new Intl collator per comparison), no",
  'discriminator scan for documents without one, one directory listing instead of a read per file when comparing',
  'with the old output, synchronous writes (the waiting thread has nothing else to do).',
  '',
].join('\n')

console.log(`\n${section}`)
writePerformanceSection(section)
process.stderr.write('wrote docs/performance.md\n')
