import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

const SEPARATOR = '// @@sync-patterns-generated-file@@ '

/**
 * One Biome run over all files joined into one (Biome formats top-level statements independently,
 * so the result splits back into the same bytes as formatting each file; the snapshot tests check
 * this against prettier). The joined file is written and Biome started synchronously, so it works
 * on another core while the caller goes on (building the types).
 */
async function formatWithBiome(
  files: Map<string, string>,
  biome: { command: string; args: string[] },
): Promise<Map<string, string>> {
  const scratch = mkdtempSync(join(tmpdir(), 'sync-patterns-format-'))
  const joined = join(scratch, 'all.ts')
  try {
    writeFileSync(joined, [...files].map(([path, source]) => `${SEPARATOR}${path}\n${source}`).join('\n'))
    await new Promise<void>((resolve, reject) => {
      const child = spawn(biome.command, [...biome.args, 'format', '--write', ...biomeStyle, joined], {
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
    const parts = (await readFile(joined, 'utf8')).split(SEPARATOR).slice(1)
    for (const part of parts) {
      const newline = part.indexOf('\n')
      result.set(part.slice(0, newline), `${part.slice(newline + 1).replace(/\n+$/, '')}\n`)
    }
    if (result.size !== files.size)
      throw new Error('biome format: the joined output did not split back into the files')
    return result
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}
