import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { format } from 'prettier'

/** Which formatter writes the output: Biome when the project has it (fast, native), else prettier. */
export type FormatterChoice = 'auto' | 'biome' | 'prettier'

/** The repo's Biome style (biome.json): 2 spaces, single quotes, no semicolons, 110 columns, trailing commas. */
const prettierStyle = {
  parser: 'typescript',
  printWidth: 110,
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
  '--line-width=110',
  '--javascript-formatter-quote-style=single',
  '--semicolons=as-needed',
  '--trailing-commas=all',
  '--arrow-parentheses=always',
  '--bracket-spacing=true',
  '--line-ending=lf',
  '--vcs-enabled=false',
]

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
  const result = new Map<string, string>()
  for (const [path, source] of files) result.set(path, await format(source, prettierStyle))
  return result
}

/** The project's Biome: its native binary when found (no Node start-up), else the bin script. */
function findBiome(cwd: string): { command: string; args: string[] } | undefined {
  const require = createRequire(join(cwd, 'package.json'))
  try {
    const script = require.resolve('@biomejs/biome/bin/biome')
    try {
      const native = createRequire(script).resolve(
        `@biomejs/cli-${process.platform}-${process.arch}/biome${process.platform === 'win32' ? '.exe' : ''}`,
      )
      return { command: native, args: [] }
    } catch {
      return { command: process.execPath, args: [script] }
    }
  } catch {
    return undefined
  }
}

/**
 * One Biome run over a scratch copy: native speed, no per-file process. The copy is written and
 * Biome started synchronously, so it works on another core while the caller continues.
 */
async function formatWithBiome(
  files: Map<string, string>,
  biome: { command: string; args: string[] },
): Promise<Map<string, string>> {
  const scratch = mkdtempSync(join(tmpdir(), 'sync-patterns-format-'))
  try {
    for (const [path, source] of files) {
      mkdirSync(dirname(join(scratch, path)), { recursive: true })
      writeFileSync(join(scratch, path), source)
    }
    await new Promise<void>((resolve, reject) => {
      const child = spawn(biome.command, [...biome.args, 'format', '--write', ...biomeStyle, '.'], {
        cwd: scratch,
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      child.once('error', reject)
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`biome format failed: ${stderr}`)),
      )
    })
    const result = new Map<string, string>()
    for (const path of files.keys()) result.set(path, await readFile(join(scratch, path), 'utf8'))
    return result
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}
