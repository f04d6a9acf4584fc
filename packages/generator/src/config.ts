import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { GeneratorError } from './generator-error.js'

/** Contents of `sync-patterns.config.ts` (every field also has a CLI flag, which wins). */
export interface SyncPatternsConfig {
  /** OpenAPI document path or URL. */
  input?: string
  /** Output directory. */
  output?: string
  /** Delete generated files the new output no longer has. */
  clean?: boolean
  /** Skip each invalid operation with a warning naming it, and generate the rest (default false: refuse the document). */
  lenient?: boolean
}

/** Identity helper for typed config files: `export default defineConfig({ input, output })`. */
export function defineConfig(config: SyncPatternsConfig): SyncPatternsConfig {
  return config
}

export const CONFIG_FILE_NAMES = [
  'sync-patterns.config.ts',
  'sync-patterns.config.mts',
  'sync-patterns.config.js',
  'sync-patterns.config.mjs',
]

/** Loads the config file named, or the first default name found in `cwd`; undefined when there is none. */
export async function loadConfig(cwd: string, file?: string): Promise<SyncPatternsConfig | undefined> {
  const path = file
    ? resolve(cwd, file)
    : CONFIG_FILE_NAMES.map((n) => resolve(cwd, n)).find((p) => existsSync(p))
  if (!path) return undefined
  if (!existsSync(path)) throw new GeneratorError('config file not found', { file: path })
  let loaded: unknown
  try {
    const { createJiti } = await import('jiti') // only for a config file
    loaded = await createJiti(import.meta.url, { moduleCache: false }).import(path, { default: true })
  } catch (error) {
    throw new GeneratorError(`cannot load the config: ${(error as Error).message}`, { file: path })
  }
  if (typeof loaded !== 'object' || loaded === null) {
    throw new GeneratorError('the config must export default an object such as { input, output }', {
      file: path,
    })
  }
  const config = loaded as Record<string, unknown>
  for (const key of ['input', 'output'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'string') {
      throw new GeneratorError(`config field "${key}" must be a string`, { file: path })
    }
  }
  for (const key of ['clean', 'lenient'] as const) {
    if (config[key] !== undefined && typeof config[key] !== 'boolean') {
      throw new GeneratorError(`config field "${key}" must be true or false`, { file: path })
    }
  }
  return config as SyncPatternsConfig
}
