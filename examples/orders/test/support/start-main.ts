import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

// String paths, not `new URL(...)`: DOM test environments replace the global URL class.
const here = dirname(fileURLToPath(import.meta.url))
const MAIN = join(here, '../../server/main.ts')
const TSX = join(here, '../../../../node_modules/tsx/dist/cli.mjs')
/** tsx's loader: `node --import` it and the server is this very process (tsx's CLI would run it in a child, which a SIGKILL of the CLI leaves running). */
const TSX_LOADER = pathToFileURL(join(here, '../../../../node_modules/tsx/dist/loader.mjs')).href

/** `npm start`'s server (examples/orders/server/main.ts) running in its own process. */
export interface OrdersMainProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** The server's own process (no tsx CLI in between): `child.kill('SIGKILL')` kills the server. */
  readonly child: ChildProcess
  /** Everything the process printed so far. */
  output(): string
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>
  /** SIGKILL (a crash: no shutdown hooks run), then waits for the exit. */
  kill(): Promise<void>
}

/**
 * Starts main.ts with `env` added to this process's environment (PORT defaults to 0, HOST to
 * 127.0.0.1) and resolves once it printed the URL it listens on.
 */
export async function startOrdersMain(
  env: Record<string, string>,
  timeoutMs = 110_000,
): Promise<OrdersMainProcess> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, '--conditions=source', MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`main.ts did not start:\n${output}`)), timeoutMs)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = / on http:\/\/localhost:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(`http://127.0.0.1:${match[1]}`)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`main.ts exited with ${code}:\n${output}`))
    })
  })
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill(signal)
    await exited
  }
  return { url, child, output: () => output, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') }
}

/** Runs main.ts with `env` (PORT 0, HOST 127.0.0.1 unless given) until it exits by itself. */
export async function runOrdersMainToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [TSX, '--conditions=source', MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  return { code, stdout, stderr }
}
