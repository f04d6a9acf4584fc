import { type ChildProcess, spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
export const EXAMPLE_DIR = join(REPO_ROOT, 'examples/orders')
/**
 * Where copies of the example live while the tutorial test runs: inside the repository, so the copy
 * resolves the workspace packages and their `source` export condition through the root
 * node_modules like the example does; gitignored, so lint, typecheck and git never see it.
 */
export const COPIES_DIR = join(REPO_ROOT, 'examples/.tutorial')

/** What a copy leaves out: tests, build output, data and artifacts. */
const SKIPPED = new Set(['test', 'test-results', '.data', 'node_modules', 'web/dist', 'web/.build.lock'])

/**
 * A fresh copy of examples/orders (server, web app, package.json) in examples/.tutorial/, with a
 * tsconfig.json that type-checks it the way `npm run typecheck` checks the example.
 */
export function copyExample(): string {
  mkdirSync(COPIES_DIR, { recursive: true })
  const copy = mkdtempSync(join(COPIES_DIR, 'run-'))
  cpSync(EXAMPLE_DIR, copy, {
    recursive: true,
    filter: (source) => !SKIPPED.has(relative(EXAMPLE_DIR, source).split(sep).join('/')),
  })
  writeFileSync(
    join(copy, 'tsconfig.json'),
    `${JSON.stringify(
      {
        extends: relative(copy, join(REPO_ROOT, 'tsconfig.base.json')),
        compilerOptions: { noEmit: true, declaration: false, sourceMap: false },
        include: ['server', 'web/src'],
      },
      null,
      2,
    )}\n`,
  )
  return copy
}

export interface Run {
  code: number | null
  output: string
}

/** Runs a command to its end; its stdout and stderr together in `output`. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      output += `\n[killed after ${options.timeoutMs} ms]`
    }, options.timeoutMs ?? 120_000)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}

/** `tsx --conditions=source <script>`, as the example's `npm start` runs its scripts. */
export function tsxArgs(script: string, ...args: string[]): string[] {
  return ['--import', 'tsx', '--conditions=source', script, ...args]
}

export interface CopyServer {
  baseUrl: string
  output: () => string
  stop(): Promise<void>
}

/**
 * Starts the copy's server/main.ts as `npm start` does (PGlite in `dataDir`, in-memory broadcast,
 * web/dist at / when built), on a free loopback port; resolves once it prints its URL.
 */
export function startCopyServer(copy: string, dataDir: string): Promise<CopyServer> {
  const child: ChildProcess = spawn(process.execPath, tsxArgs(join(copy, 'server/main.ts')), {
    cwd: copy,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', PGLITE_DATA_DIR: dataDir, LOG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`the copy's server did not start in 60 s:\n${output}`))
    }, 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const port = /http:\/\/localhost:(\d+)/.exec(output)?.[1]
      if (port) {
        clearTimeout(timer)
        resolve({ baseUrl: `http://127.0.0.1:${port}`, output: () => output, stop })
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the copy's server exited (${code}) before it listened:\n${output}`))
    })
  })
}
