import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findProjectStyle } from './project-style.js'

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

const biomeStyle = [
  '--indent-style=space',
  '--indent-width=2',
  `--line-width=${LINE_WIDTH}`,
  '--javascript-formatter-quote-style=single',
  '--semicolons=as-needed',
  '--trailing-commas=all',
  '--arrow-parentheses=always',
  '--bracket-spacing=true',
  '--line-ending=lf',
  '--vcs-enabled=false',
]

/**
 * Formats every file (path → source) in the project's style (`findProjectStyle`): with Biome and the
 * project's biome.json, with prettier and the project's prettier configuration, or, in a project
 * with neither, in this package's style with Biome (prettier, in the same style, where no Biome
 * binary exists). `choice` forces one formatter; it still takes that formatter's project configuration.
 */
export async function formatFiles(
  files: Map<string, string>,
  choice: FormatterChoice = 'auto',
  cwd = process.cwd(),
): Promise<Map<string, string>> {
  const style = findProjectStyle(cwd)
  const wantsPrettier = choice === 'prettier' || (choice === 'auto' && style.kind === 'prettier')
  const biome = wantsPrettier ? undefined : findBiome(cwd)
  if (choice === 'biome' && !biome)
    throw new Error('formatter "biome" was asked for but @biomejs/biome is not installed')
  if (biome) {
    const styleArgs =
      style.kind === 'biome' ? [`--config-path=${style.configDir}`, '--vcs-enabled=false'] : biomeStyle
    return formatWithBiome(files, biome, styleArgs)
  }
  // Loaded only when used, since loading it costs a CLI run tens of ms.
  const prettier = await import('prettier')
  const options =
    style.kind === 'prettier'
      ? {
          ...(await prettier.resolveConfig(style.configFile, { config: style.configFile })),
          parser: 'typescript',
        }
      : prettierStyle
  const result = new Map<string, string>()
  for (const [path, source] of files) result.set(path, await prettier.format(source, options))
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

const SEPARATOR = '// @@sync-patterns-generated-file@@ '
/** The name Biome is told the piped text has: only its extension matters (TypeScript). */
const STDIN_PATH = 'sync-patterns-generated.ts'

/**
 * One Biome run over all files joined into one (Biome formats top-level statements independently,
 * so the result splits back into the same bytes as formatting each file; formatted.test.ts checks
 * this against Biome run over each file apart). Biome reads the text from a scratch file given as
 * its stdin, written before it starts, so it works on another core while the caller goes on
 * (building the types) instead of waiting for a busy event loop to feed a pipe; it prints the
 * result to stdout. (Not `check --write`: its import sorting needs the files apart, and took two
 * to three times as long on the bench spec; the templates write imports in Biome's order.)
 */
function formatWithBiome(
  files: Map<string, string>,
  biome: { command: string; args: string[] },
  styleArgs: readonly string[],
): Promise<Map<string, string>> {
  const joined = [...files].map(([path, source]) => `${SEPARATOR}${path}\n${source}`).join('\n')
  const scratch = mkdtempSync(join(tmpdir(), 'sync-patterns-format-'))
  const input = join(scratch, 'input.ts')
  writeFileSync(input, joined)
  const removeScratch = () => rm(scratch, { recursive: true, force: true })
  const stdin = openSync(input, 'r')
  let child: ReturnType<typeof spawn>
  try {
    child = spawn(biome.command, [...biome.args, 'format', `--stdin-file-path=${STDIN_PATH}`, ...styleArgs], {
      cwd: scratch,
      stdio: [stdin, 'pipe', 'pipe'],
    })
  } catch (error) {
    void removeScratch()
    throw error
  } finally {
    closeSync(stdin) // the child has its own copy
  }
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
  return new Promise((resolve, reject) => {
    child.once('error', (error) => void removeScratch().then(() => reject(error)))
    child.once('close', (code) => {
      void removeScratch() // not awaited: the result does not depend on it
      if (code !== 0) {
        reject(new Error(`biome format failed: ${Buffer.concat(stderr).toString()}`))
        return
      }
      const result = new Map<string, string>()
      for (const part of Buffer.concat(stdout).toString('utf8').split(SEPARATOR).slice(1)) {
        const newline = part.indexOf('\n')
        result.set(part.slice(0, newline), `${part.slice(newline + 1).replace(/\n+$/, '')}\n`)
      }
      if (result.size !== files.size)
        reject(new Error('biome format: the joined output did not split back into the files'))
      else resolve(result)
    })
  })
}
