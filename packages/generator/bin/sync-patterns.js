#!/usr/bin/env node
import { spawnSync } from 'node:child_process'
// Runs the built CLI when the package is built (dist/), else the TypeScript source through tsx.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const built = new URL('../dist/main.js', import.meta.url)
if (existsSync(fileURLToPath(built))) {
  await import(built.href)
} else {
  const source = fileURLToPath(new URL('../src/main.ts', import.meta.url))
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', source, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  )
  process.exitCode = result.status ?? 1
}
