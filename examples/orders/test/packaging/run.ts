import { spawn } from 'node:child_process'

/** npm settings a developer or CI may give in the environment, which the fresh apps need too. */
const KEPT_NPM_CONFIG = new Set([
  'npm_config_cache',
  'npm_config_userconfig',
  'npm_config_registry',
  'npm_config_cafile',
])

/**
 * This process's environment without what the test runner and `npm test` add: npm's lifecycle
 * variables (a child npm would read them as its own config, `npm_config_local_prefix` pointing at
 * the repository among them), NODE_OPTIONS (vitest may pass the `source` condition there, which
 * would make the fresh app load our TypeScript sources) and NODE_ENV=test. What runs in the fresh
 * app sees what a developer's shell would give it.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    const dropped = /^(npm_|VITEST|TSX_)/i.test(key) || ['NODE_OPTIONS', 'NODE_ENV', 'INIT_CWD'].includes(key)
    if (!dropped || KEPT_NPM_CONFIG.has(key.toLowerCase())) env[key] = value
  }
  return { ...env, ...extra }
}

export interface RunResult {
  stdout: string
  stderr: string
  /** stdout and stderr as they arrived. */
  output: string
}

/** Runs a command to its end; rejects with everything it printed when it fails or times out. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      output += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      output += chunk.toString()
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${command} ${args.join(' ')} timed out in ${options.cwd}:\n${output}`))
    }, options.timeoutMs ?? 60_000)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve({ stdout, stderr, output })
      else {
        reject(
          new Error(
            `${command} ${args.join(' ')} exited with ${code ?? signal} in ${options.cwd}:\n${output}`,
          ),
        )
      }
    })
  })
}
