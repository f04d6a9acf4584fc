import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../src/cli.js'

const here = dirname(fileURLToPath(import.meta.url))
const spec = join(here, 'fixtures/orders-fastify.openapi.json')
const tmp = mkdtempSync(join(tmpdir(), 'sync-patterns-cli-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

async function cli(args: string[], cwd = tmp) {
  const out: string[] = []
  const err: string[] = []
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), cwd })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('sync-patterns generate (CLI)', () => {
  it('writes the output and prints what it wrote; a second run changes nothing', async () => {
    const first = await cli(['generate', '--input', spec, '--output', 'gen-a'])
    expect(first.code).toBe(0)
    expect(first.out).toContain('wrote    gen-a/hooks/useOrderMutations.ts')
    expect(first.out).toMatch(/generated 19 files in gen-a \(19 new, 0 updated, 0 unchanged\)/)
    const second = await cli(['generate', '-i', spec, '-o', 'gen-a'])
    expect(second.out).toMatch(/\(0 new, 0 updated, 19 unchanged\)/)
  })

  it('--check exits 1 and lists what differs when the output is stale, 0 when current; writes nothing', async () => {
    await cli(['generate', '-i', spec, '-o', 'gen-b'])
    const hooks = join(tmp, 'gen-b/hooks/useOrderMutations.ts')
    writeFileSync(hooks, `${readFileSync(hooks, 'utf8')}// edited by hand\n`)
    rmSync(join(tmp, 'gen-b/client/menu.ts'))
    const stale = await cli(['generate', '-i', spec, '-o', 'gen-b', '--check'])
    expect(stale.code).toBe(1)
    expect(stale.err).toContain('differs  hooks/useOrderMutations.ts')
    expect(stale.err).toContain('missing  client/menu.ts')
    expect(readFileSync(hooks, 'utf8')).toContain('// edited by hand')
    await cli(['generate', '-i', spec, '-o', 'gen-b'])
    const current = await cli(['generate', '-i', spec, '-o', 'gen-b', '--check'])
    expect(current.code).toBe(0)
    expect(current.out).toContain('is up to date (19 files)')
  })

  it('--clean deletes generated files the output no longer has, never hand-written ones', async () => {
    await cli(['generate', '-i', spec, '-o', 'gen-c'])
    cpSync(join(tmp, 'gen-c/client/menu.ts'), join(tmp, 'gen-c/client/old.ts'))
    writeFileSync(join(tmp, 'gen-c/client/mine.ts'), 'export const mine = 1\n')
    const kept = await cli(['generate', '-i', spec, '-o', 'gen-c'])
    expect(existsSync(join(tmp, 'gen-c/client/old.ts'))).toBe(true)
    expect(kept.out).toContain('stale    gen-c/client/old.ts')
    const cleaned = await cli(['generate', '-i', spec, '-o', 'gen-c', '--clean'])
    expect(cleaned.out).toContain('deleted  gen-c/client/old.ts')
    expect(existsSync(join(tmp, 'gen-c/client/old.ts'))).toBe(false)
    expect(existsSync(join(tmp, 'gen-c/client/mine.ts'))).toBe(true)
  })

  it('reads input and output from sync-patterns.config.ts; flags win', async () => {
    const project = join(tmp, 'project')
    mkdirSync(project, { recursive: true })
    writeFileSync(
      join(project, 'sync-patterns.config.ts'),
      `const config: { input: string; output: string } = { input: ${JSON.stringify(spec)}, output: 'src/generated' }\nexport default config\n`,
    )
    const result = await cli(['generate'], project)
    expect(result.code).toBe(0)
    expect(existsSync(join(project, 'src/generated/index.ts'))).toBe(true)
    const flagged = await cli(['generate', '-o', 'elsewhere'], project)
    expect(flagged.code).toBe(0)
    expect(existsSync(join(project, 'elsewhere/index.ts'))).toBe(true)
  })

  it('bad input exits 2 with the pointer and line, and leaves the output untouched', async () => {
    const bad = join(tmp, 'bad.yaml')
    writeFileSync(
      bad,
      'openapi: 3.1.0\ninfo: { title: t, version: "1" }\npaths:\n  /a:\n    x-sync: yes-please\n',
    )
    const result = await cli(['generate', '-i', bad, '-o', 'gen-bad'])
    expect(result.code).toBe(2)
    expect(result.err).toContain(`${bad}:5 at /paths/~1a/x-sync: x-sync must be an object`)
    expect(existsSync(join(tmp, 'gen-bad'))).toBe(false)
  })

  it('--lenient (or lenient: true in the config) skips an invalid operation with a warning and generates the rest', async () => {
    const partly = join(tmp, 'partly.yaml')
    writeFileSync(
      partly,
      [
        'openapi: 3.1.0',
        'info: { title: t, version: "1" }',
        'paths:',
        '  /notes:',
        '    get: { responses: { "200": { description: ok } } }',
        '  /notes/{note_id}/tags/{tag_id}:',
        '    get: { parameters: [{ name: note_id, in: path, required: true }], responses: { "200": { description: ok } } }',
        '',
      ].join('\n'),
    )
    const strict = await cli(['generate', '-i', partly, '-o', 'gen-strict'])
    expect(strict.code).toBe(2)
    expect(strict.err).toContain(
      `error: ${partly}:7 at /paths/~1notes~1{note_id}~1tags~1{tag_id}/get: path parameter {tag_id} is not declared in parameters`,
    )
    expect(existsSync(join(tmp, 'gen-strict'))).toBe(false)

    const lenient = await cli(['generate', '-i', partly, '-o', 'gen-lenient', '--lenient'])
    expect(lenient.code).toBe(0)
    expect(lenient.err).toBe(
      `warning: skipped GET /notes/{note_id}/tags/{tag_id}: ${partly}:7 at /paths/~1notes~1{note_id}~1tags~1{tag_id}/get: path parameter {tag_id} is not declared in parameters`,
    )
    expect(readFileSync(join(tmp, 'gen-lenient/client/note.ts'), 'utf8')).toContain("path: '/notes'")
    expect(readFileSync(join(tmp, 'gen-lenient/client/note.ts'), 'utf8')).not.toContain('tags')

    const project = join(tmp, 'lenient-project')
    mkdirSync(project, { recursive: true })
    writeFileSync(
      join(project, 'sync-patterns.config.ts'),
      `export default { input: ${JSON.stringify(partly)}, output: 'gen', lenient: true }\n`,
    )
    const configured = await cli(['generate'], project)
    expect(configured.code).toBe(0)
    expect(configured.err).toMatch(/^warning: skipped GET \/notes\/\{note_id\}\/tags\/\{tag_id\}: /)
  })

  it('usage errors exit 2 with the usage text', async () => {
    expect((await cli([])).code).toBe(2)
    expect((await cli(['generate', '--bogus'])).err).toMatch(/Unknown option '--bogus'[\s\S]*Usage:/)
    const missing = await cli(['generate', '-i', spec])
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('missing --output')
  })

  it('the bin runs the CLI', () => {
    const bin = resolve(here, '../bin/sync-patterns.js')
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' })
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^Usage: sync-patterns generate --input/)
    const bad = spawnSync(process.execPath, [bin, 'generate', '-i', join(tmp, 'missing.yaml'), '-o', 'x'], {
      encoding: 'utf8',
    })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/missing\.yaml: input file not found/)
  })

  it('the built CLI (as published: dist with types-worker.js beside it) writes the snapshot, types on its worker', () => {
    const pkg = resolve(here, '..')
    // Under the package's node_modules, so the build's imports resolve as the published package's do.
    mkdirSync(join(pkg, 'node_modules'), { recursive: true })
    const dist = mkdtempSync(join(pkg, 'node_modules', '.cache-cli-build-'))
    try {
      const build = spawnSync(
        resolve(pkg, '../../node_modules/.bin/tsup'),
        ['src/main.ts', 'src/types-worker.ts', '--format', 'esm', '--out-dir', dist, '--silent'],
        { cwd: pkg, encoding: 'utf8' },
      )
      expect(build.status, build.stderr).toBe(0)
      expect(existsSync(join(dist, 'types-worker.js'))).toBe(true)
      const out = join(tmp, 'built-cli')
      const run = spawnSync(process.execPath, [join(dist, 'main.js'), 'generate', '-i', spec, '-o', out], {
        encoding: 'utf8',
      })
      expect(run.status, run.stderr).toBe(0)
      expect(run.stderr).not.toContain('SYNC_PATTERNS_TYPES_WORKER') // the worker did the types
      const snapshot = join(here, '__generated__/orders-fastify')
      for (const file of ['schemas/openapi.ts', 'hooks/useOrderMutations.ts', 'client/order.ts'])
        expect(readFileSync(join(out, file), 'utf8'), file).toBe(readFileSync(join(snapshot, file), 'utf8'))
    } finally {
      rmSync(dist, { recursive: true, force: true })
    }
  })
})

describe('--watch', () => {
  it('regenerates when the input changes, and reports a broken edit without stopping', async () => {
    const input = join(tmp, 'watched.json')
    const original = readFileSync(spec, 'utf8')
    writeFileSync(input, original)
    const out: string[] = []
    const err: string[] = []
    const controller = new AbortController()
    const waitFor = async (check: () => boolean) => {
      for (let i = 0; i < 600 && !check(); i++) await new Promise((r) => setTimeout(r, 50))
      expect(check()).toBe(true)
    }
    const running = runCli(['generate', '-i', input, '-o', 'gen-watch', '--watch'], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      cwd: tmp,
      signal: controller.signal,
    })
    await waitFor(() => out.some((l) => l.startsWith('watching')))
    writeFileSync(input, '{ "openapi": "3.1.0", ')
    await waitFor(() => err.some((l) => l.includes('not valid JSON or YAML')))
    writeFileSync(input, original.replace('"title": "Orders API"', '"title": "Orders API (renamed)"'))
    await waitFor(() => out.some((l) => l.includes('updated  gen-watch/index.ts')))
    expect(readFileSync(join(tmp, 'gen-watch/index.ts'), 'utf8')).toContain('Orders API (renamed)')
    controller.abort()
    expect(await running).toBe(0)
  })
})
