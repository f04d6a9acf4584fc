import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * The formatter configuration of the project the generator writes into, so the output is in its
 * style: the nearest `biome.json(c)` or prettier configuration from the working directory up to the
 * repository root (the directory with `.git`). `default` when there is none: then the output gets
 * this package's style (2 spaces, single quotes, no semicolons, 110 columns).
 */
export type ProjectStyle =
  | { kind: 'biome'; configDir: string }
  | { kind: 'prettier'; configFile: string }
  | { kind: 'default' }

const BIOME_FILES = ['biome.json', 'biome.jsonc']
const PRETTIER_FILES = [
  '.prettierrc',
  '.prettierrc.json',
  '.prettierrc.json5',
  '.prettierrc.yaml',
  '.prettierrc.yml',
  '.prettierrc.toml',
  '.prettierrc.js',
  '.prettierrc.cjs',
  '.prettierrc.mjs',
  '.prettierrc.ts',
  'prettier.config.js',
  'prettier.config.cjs',
  'prettier.config.mjs',
  'prettier.config.ts',
]

export function findProjectStyle(cwd: string): ProjectStyle {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (BIOME_FILES.some((file) => existsSync(join(dir, file)))) return { kind: 'biome', configDir: dir }
    const prettier = PRETTIER_FILES.find((file) => existsSync(join(dir, file)))
    if (prettier) return { kind: 'prettier', configFile: join(dir, prettier) }
    if (hasPrettierKey(join(dir, 'package.json')))
      return { kind: 'prettier', configFile: join(dir, 'package.json') }
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) return { kind: 'default' }
  }
}

function hasPrettierKey(packageJson: string): boolean {
  try {
    return existsSync(packageJson) && 'prettier' in JSON.parse(readFileSync(packageJson, 'utf8'))
  } catch {
    return false // not ours to judge: an unreadable package.json simply has no prettier key here
  }
}
