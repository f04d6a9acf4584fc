/**
 * Builds the web app into web/dist when it is missing or older than its sources, so `npm start`
 * and the browser tests always serve the current app without rebuilding every time.
 *
 *   tsx --conditions=source web/build.ts          # build if stale
 *   tsx --conditions=source web/build.ts --force  # always build
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const WEB_ROOT = fileURLToPath(new URL('.', import.meta.url))
export const DIST_DIR = join(WEB_ROOT, 'dist')
const DIST_INDEX = join(DIST_DIR, 'index.html')
/** Held while building, so parallel test files (or `npm start` beside them) never build over each other. */
const LOCK_DIR = join(WEB_ROOT, '.build.lock')
/** A lock older than this was left by a killed build. */
const STALE_LOCK_MS = 120_000
const REPO_ROOT = join(WEB_ROOT, '../../..')

/** Everything that ends up in the bundle: the app and the workspace packages it bundles from source. */
const SOURCES = [
  join(WEB_ROOT, 'src'),
  join(WEB_ROOT, 'index.html'),
  join(WEB_ROOT, 'vite.config.ts'),
  join(REPO_ROOT, 'packages/sync-patterns/src/runtime'),
  join(REPO_ROOT, 'packages/devtools/src'),
  join(REPO_ROOT, 'packages/protocol/src'),
]

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

/** True when dist is missing or a source file changed after the last build. */
export function isWebBuildStale(): boolean {
  if (!existsSync(DIST_INDEX)) return true
  const built = statSync(DIST_INDEX).mtimeMs
  return SOURCES.some((source) => newestMtime(source) > built)
}

async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK_DIR)
      break
    } catch {
      const age = existsSync(LOCK_DIR) ? Date.now() - statSync(LOCK_DIR).mtimeMs : 0
      if (age > STALE_LOCK_MS) rmSync(LOCK_DIR, { recursive: true, force: true })
      else await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  try {
    return await work()
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true })
  }
}

/** Runs Vite's production build of the app when needed. Returns whether it built. */
export async function ensureWebBuilt(options: { force?: boolean; quiet?: boolean } = {}): Promise<boolean> {
  if (!options.force && !isWebBuildStale()) return false
  // Another process may have built it while this one waited for the lock.
  return withBuildLock(() =>
    options.force || isWebBuildStale() ? runViteBuild(options) : Promise.resolve(false),
  )
}

async function runViteBuild(options: { quiet?: boolean }): Promise<boolean> {
  const { build } = await import('vite')
  // Vite keeps a NODE_ENV it finds (vitest sets "test"), which would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({
      configFile: join(WEB_ROOT, 'vite.config.ts'),
      mode: 'production',
      logLevel: options.quiet ? 'warn' : 'info',
    })
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = nodeEnv
  }
  return true
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force')
  const built = await ensureWebBuilt({ force })
  if (!built) console.log(`web app is up to date in ${DIST_DIR}`)
}
