import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The line width of generated code (the repo's biome.json). */
export const LINE_WIDTH = 110

/** Which formatter writes the output: Biome (fast, native; the project's or this package's), else prettier. */
export type FormatterChoice = 'auto' | 'biome' | 'prettier'

/** The repo's Biome style (biome.json): 2 spaces, single quotes, no semicolons, 110 columns, trailing commas. */
const prettierStyle = {
  parser: 'typescript',
  printWidth: LINE_WIDTH,
  tabWidth: 2,
  useTabs: false,
  semi: false,
  singleQuote: true,
  jsxSingleQuote: false,
  trailingComma: 'all',
  bracketSpacing: true,
  arrowParens: 'always',
  quoteProps: 'as-needed',
  endOfLine: 'lf',
} as const

/**
 * The same style as Biome configuration, written next to the files it formats (so no biome.json
 * above the scratch directory applies). The linter is off: `check --write` only formats and, with
 * the assist's organizeImports, orders the imports, as the repo's `biome check` expects.
 */
const biomeConfig = {
  root: true,
  vcs: { enabled: false },
  files: { ignoreUnknown: true },
  formatter: { enabled: true, indentStyle: 'space', indentWidth: 2, lineWidth: LINE_WIDTH, lineEnding: 'lf' },
  javascript: {
    formatter: {
      quoteStyle: 'single',
      semicolons: 'asNeeded',
      trailingCommas: 'all',
      arrowParentheses: 'always',
      bracketSpacing: true,
    },
  },
  linter: { enabled: false },
  assist: { enabled: true, actions: { source: { organizeImports: 'on' } } },
}

/** Formats every file (path → source) in the same style, whichever formatter runs. */
export async function formatFiles(
  files: Map<string, string>,
  choice: FormatterChoice = 'auto',
  cwd = process.cwd(),
): Promise<Map<string, string>> {
  const biome = choice === 'prettier' ? undefined : findBiome(cwd)
  if (choice === 'biome' && !biome)
    throw new Error('formatter "biome" was asked for but @biomejs/biome is not installed')
  if (biome) return formatWithBiome(files, biome)
  // Loaded only when used: it is the fallback, and loading it costs a CLI run tens of ms.
  const { format } = await import('prettier')
  const result = new Map<string, string>()
  for (const [path, source] of files) result.set(path, await format(source, prettierStyle))
  return result
}

/**
 * Biome: the project's own when it has one, else the one this package depends on; its native binary
 * when found (no Node start-up), else the bin script. Undefined only where no Biome binary exists
 * for the platform, and then prettier formats (the same style, about three times slower).
 */
export function findBiome(cwd: string): { command: string; args: string[] } | undefined {
  for (const from of [join(cwd, 'package.json'), fileURLToPath(import.meta.url)]) {
    const require = createRequire(from)
    let script: string
    try {
      script = require.resolve('@biomejs/biome/bin/biome')
    } catch {
      continue
    }
    try {
      const native = createRequire(script).resolve(
        `@biomejs/cli-${process.platform}-${process.arch}/biome${process.platform === 'win32' ? '.exe' : ''}`,
      )
      return { command: native, args: [] }
    } catch {
      return { command: process.execPath, args: [script] }
    }
  }
  return undefined
}

/**
 * One Biome run over all files: they are written under a scratch directory with the style's
 * biome.json, `biome check --write` formats them and orders their imports (on all cores), and they
 * are read back. The child runs on other cores while the caller goes on (building the types).
 */
async function formatWithBiome(
  files: Map<string, string>,
  biome: { command: string; args: string[] },
): Promise<Map<string, string>> {
  const scratch = mkdtempSync(join(tmpdir(), 'sync-patterns-format-'))
  try {
    writeFileSync(join(scratch, 'biome.json'), JSON.stringify(biomeConfig))
    const made = new Set<string>()
    for (const [path, source] of files) {
      const file = join(scratch, 'files', path)
      const dir = dirname(file)
      if (!made.has(dir)) mkdirSync(dir, { recursive: true })
      made.add(dir)
      writeFileSync(file, source)
    }
    await runBiome(biome, scratch)
    const result = new Map<string, string>()
    const read = [...files.keys()].map(async (path) => {
      result.set(path, await readFile(join(scratch, 'files', path), 'utf8'))
    })
    await Promise.all(read)
    return new Map([...files.keys()].map((path) => [path, result.get(path) ?? '']))
  } finally {
    void rm(scratch, { recursive: true, force: true }) // not awaited: the result does not depend on it
  }
}

function runBiome(biome: { command: string; args: string[] }, cwd: string): Promise<void> {
  const child = spawn(
    biome.command,
    [...biome.args, 'check', '--write', '--no-errors-on-unmatched', '--max-diagnostics=20', 'files'],
    { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const output: Buffer[] = []
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      if (code === 0) resolve()
      else reject(new Error(`biome check failed: ${Buffer.concat(output).toString()}`))
    })
  })
}
