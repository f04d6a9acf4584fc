import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { emitOpenApiTypes } from '../src/emit/emit-types.js'
import { loadSpec } from '../src/load-spec.js'
import { openApiTypesInWorker } from '../src/types-in-worker.js'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

/** Counts event-loop turns until the promise settles: none when the work blocks this thread. */
async function turnsWhile<T>(promise: Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0
  let done = false
  const spin = () => {
    if (done) return
    turns++
    setImmediate(spin)
  }
  setImmediate(spin)
  const value = await promise
  done = true
  return { value, turns }
}

describe('the types step on a worker thread', () => {
  it('gives the same text as on the main thread, for several documents in turn', async () => {
    for (const file of [
      'shop-large.openapi.yaml',
      'orders-fastify.openapi.json',
      'shop-large.openapi.yaml',
    ]) {
      const { document } = await loadSpec(join(fixtures, file))
      expect(await openApiTypesInWorker(document)).toEqual(await emitOpenApiTypes(document))
    }
  })

  it('leaves the main thread free while it works (that is what it is for)', async () => {
    const { document } = await loadSpec(join(fixtures, 'shop-large.openapi.yaml'))
    await openApiTypesInWorker(document) // started and warm
    const big = {
      ...document,
      paths: Object.fromEntries(
        Array.from({ length: 20 }, (_, i) =>
          Object.entries(document.paths as object).map(([p, item]) => [`/v${i}${p}`, item]),
        ).flat(),
      ),
    }
    const { value, turns } = await turnsWhile(openApiTypesInWorker(big))
    expect(value).toContain('"/v19/')
    // On the main thread the transformer runs as one synchronous block: no turn in between.
    expect(turns).toBeGreaterThan(5)
  })

  it('does not keep the process alive when idle', async () => {
    const { document } = await loadSpec(join(fixtures, 'orders-fastify.openapi.json'))
    await openApiTypesInWorker(document)
    // Checked for real by the CLI tests, whose processes exit on their own; here: nothing pending.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'MessagePort')).toEqual([])
  })

  it('a process that started the worker and did nothing else still exits (an early error, say)', () => {
    const module = fileURLToPath(new URL('../src/types-in-worker.ts', import.meta.url))
    const script = join(mkdtempSync(join(tmpdir(), 'types-worker-')), 'warm-only.mts')
    writeFileSync(script, `import { warmTypesWorker } from ${JSON.stringify(module)}\nwarmTypesWorker()\n`)
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      timeout: 10_000,
      encoding: 'utf8',
    })
    expect(run.error, 'the process did not exit').toBeUndefined()
    expect(run.status, run.stderr).toBe(0)
  })
})
