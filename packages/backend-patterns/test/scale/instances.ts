import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'

const SCRIPT = fileURLToPath(new URL('./fixture/instance-server.ts', import.meta.url))
/** tsx's loader: `node --import` it and the server is this very process (tsx's CLI would run it in a child, which a SIGKILL of the CLI leaves running). */
const TSX_LOADER = pathToFileURL(
  fileURLToPath(new URL('../../../../node_modules/tsx/dist/loader.mjs', import.meta.url)),
).href

/** A server instance running in its own process (see fixture/instance-server.ts). */
export interface Instance {
  readonly port: number
  readonly url: string
  readonly wsUrl: string
  readonly process: ChildProcess
  /** What the process wrote to stderr (engine fault logs). */
  readonly log: string[]
  /** POST /broadcast; resolves when the handler answered. */
  broadcast(channel: string, event: string, payload: object): Promise<void>
  get<T>(path: string): Promise<T>
  stop(): Promise<void>
  /** SIGKILL: the instance dies without a word (no close frames, nothing published). */
  kill(): Promise<void>
}

export interface InstanceEnv {
  ENGINE: 'memory' | 'redis' | 'postgres'
  REDIS_URL?: string
  DATABASE_URL?: string
  PREFIX?: string
  APP_NAME?: string
  PUBLISH_TIMEOUT_MS?: string
  PRESENCE_REFRESH_MS?: string
}

/**
 * Starts fixture/instance-server.ts in a new Node process and waits until it listens. `cpus` (a
 * taskset list such as "1") pins it and everything it starts to those cores (benchmarks).
 */
export async function startInstance(env: InstanceEnv, cpus?: string): Promise<Instance> {
  const command = [process.execPath, '--import', TSX_LOADER, '--conditions=source', SCRIPT]
  const child = spawn(
    cpus ? 'taskset' : process.execPath,
    cpus ? ['-c', cpus, ...command] : command.slice(1),
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const log: string[] = []
  createInterface({ input: child.stderr }).on('line', (line) => log.push(line))
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port))
    child.once('exit', (code) =>
      reject(new Error(`instance exited with ${code} before listening:\n${log.join('\n')}`)),
    )
  })
  const url = `http://127.0.0.1:${port}`
  return {
    port,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws/broadcast`,
    process: child,
    log,
    async broadcast(channel, event, payload) {
      const response = await fetch(`${url}/broadcast`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channel, event, payload }),
      })
      if (response.status !== 204)
        throw new Error(`broadcast answered ${response.status}: ${await response.text()}`)
    },
    async get<T>(path: string) {
      const response = await fetch(`${url}${path}`)
      return (await response.json()) as T
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5000).unref()
      })
    },
    kill() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      })
    },
  }
}
