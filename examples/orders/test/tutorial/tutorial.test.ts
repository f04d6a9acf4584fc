import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import type { Browser, BrowserContext, Page, Route } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  launchChromium,
  newTablet,
  screenshot,
  shouldSkipBrowserTests,
  waitConnected,
} from '../browser/support/browser.js'
import {
  COPIES_DIR,
  type CopyServer,
  copyExample,
  REPO_ROOT,
  run,
  startCopyServer,
  tsxArgs,
} from './example-copy.js'
import { applyDiff, readTutorial, type Tutorial } from './readme-tutorial.js'

/**
 * The README's five-minute tutorial, followed word for word on a copy of examples/orders: every
 * code block is applied to the file it names, the generator runs with the tutorial's own command
 * against the copy's server, then the copy must type-check, pass Biome, build, and sync a tap on
 * one tablet to another. Set KEEP_TUTORIAL_COPY=1 to keep the copy (examples/.tutorial/) to look at,
 * TUTORIAL_README=<file> to try a draft of the README instead of README.md.
 */
describe('the README tutorial, followed on a copy of the example', () => {
  let tutorial: Tutorial
  let copy: string
  let dataDir: string
  /** Files the tutorial created or changed, relative to examples/orders. */
  const touched = new Set<string>()
  let server: CopyServer | undefined

  beforeAll(() => {
    copy = copyExample()
    dataDir = join(copy, '.data/pglite')
  })

  afterAll(async () => {
    await server?.stop()
    if (copy && process.env.KEEP_TUTORIAL_COPY !== '1') {
      rmSync(copy, { recursive: true, force: true })
      // The folder goes too unless another run still has its copy there.
      if (readdirSync(COPIES_DIR).length === 0) rmSync(COPIES_DIR, { recursive: true, force: true })
    }
  })

  it('applies every code block, migrates and generates with the tutorial command', async () => {
    tutorial = readTutorial(readFileSync(process.env.TUTORIAL_README ?? join(REPO_ROOT, 'README.md'), 'utf8'))
    expect(tutorial.blocks.filter((block) => block.kind !== 'shell').length).toBeGreaterThan(5)
    for (const block of tutorial.blocks) {
      const where = `README.md:${block.line}`
      if (block.kind === 'shell') {
        if (block.body.includes('sync-patterns generate')) await generate(block.body, where)
        continue
      }
      const file = join(copy, block.path)
      touched.add(block.path)
      if (block.kind === 'file') {
        expect(existsSync(file), `${where}: ${block.path} is a new file, but the example has it`).toBe(false)
        mkdirSync(dirname(file), { recursive: true })
        writeFileSync(file, block.body)
      } else {
        expect(existsSync(file), `${where}: ${block.path} is not in the example`).toBe(true)
        try {
          writeFileSync(file, applyDiff(readFileSync(file, 'utf8'), block.body))
        } catch (error) {
          throw new Error(`${where}: ${block.path}: ${(error as Error).message}`)
        }
      }
    }
  }, 120_000)

  /** Step 2: `npm start` (the copy's server), then the tutorial's generate line, pointed at the copy. */
  async function generate(script: string, where: string) {
    const line = script.split('\n').find((text) => text.includes('sync-patterns generate')) ?? ''
    const words = line.replace(/#.*/, '').trim().split(/\s+/)
    const copyFromRoot = relative(REPO_ROOT, copy)
    const started = await startCopyServer(copy, dataDir)
    try {
      const openapi = (await (await fetch(`${started.baseUrl}/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>
      }
      expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/tables', '/tables/{id}']))
      for (const path of ['/tables', '/tables/{id}']) {
        expect(openapi.paths[path]?.['x-sync'], path).toEqual({
          local_first: true,
          broadcast: { channel: 'table', events: ['updated'] },
        })
      }
      // The migration ran (journal entry included) and seeded the tables.
      const tables = await fetch(`${started.baseUrl}/tables`)
      expect(tables.status, `GET /tables: ${await tables.clone().text()}`).toBe(200)
      expect(((await tables.json()) as unknown[]).length).toBeGreaterThan(0)
      const args = words.map((word) =>
        word
          .replace('http://localhost:8000', started.baseUrl)
          .replace(/^examples\/orders\//, `${copyFromRoot}/`),
      )
      expect(args.slice(0, 3), `${where}: the generate command`).toEqual(['npx', 'sync-patterns', 'generate'])
      const result = await run(args[0] as string, args.slice(1), { cwd: REPO_ROOT })
      expect(result.code, `${where}: ${line}\n${result.output}`).toBe(0)
    } finally {
      await started.stop()
    }
    // The files the tutorial says the generator adds.
    const generated = join(copy, 'web/src/generated')
    const named = [...tutorial.text.matchAll(/`((?:client|schemas|entities|hooks)\/[\w.]+\.ts)`/g)]
    expect(named.length).toBeGreaterThanOrEqual(4)
    for (const [, path] of named) expect(existsSync(join(generated, path as string)), path).toBe(true)
    // And the hooks it names (`useTable` needs GET /tables/{id}).
    const hooks = new Set([...tutorial.text.matchAll(/`(use[A-Z]\w*)`/g)].map(([, name]) => name as string))
    expect([...hooks]).toEqual(expect.arrayContaining(['useTables', 'useTable', 'useUpdateTable']))
    const code = ['entities', 'hooks']
      .flatMap((dir) => readdirSync(join(generated, dir)).map((file) => join(generated, dir, file)))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n')
    for (const hook of hooks) {
      expect(code.includes(`export function ${hook}(`), `the generated code exports ${hook}`).toBe(true)
    }
  }

  it('type-checks, passes Biome and builds', async () => {
    expect(touched.size, 'the tutorial was applied').toBeGreaterThan(0)
    const [tsc, biome, build] = await Promise.all([
      run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', copy], {
        cwd: copy,
      }),
      // The files the tutorial touched and the generated code, with the repository's biome.json
      // (the copy is in a gitignored folder, which Biome would otherwise skip).
      run(
        process.execPath,
        [
          join(REPO_ROOT, 'node_modules/@biomejs/biome/bin/biome'),
          'check',
          '--vcs-use-ignore-file=false',
          '--error-on-warnings',
          ...[...touched].map((path) => join(copy, path)),
          join(copy, 'web/src/generated'),
        ],
        { cwd: REPO_ROOT },
      ),
      // What `npm start` does first: build web/dist when it is stale (here: missing).
      run(process.execPath, tsxArgs(join(copy, 'web/build.ts')), {
        cwd: copy,
      }),
    ])
    expect(tsc.code, `tsc on the copy:\n${tsc.output}`).toBe(0)
    expect(biome.code, `biome check of the tutorial's files:\n${biome.output}`).toBe(0)
    expect(build.code, `web build of the copy:\n${build.output}`).toBe(0)
    expect(existsSync(join(copy, 'web/dist/index.html'))).toBe(true)
  }, 180_000)

  describe.skipIf(shouldSkipBrowserTests())('two tablets on #/tables', () => {
    let browser: Browser
    const contexts: BrowserContext[] = []
    const problems: string[] = []

    afterAll(async () => {
      for (const context of contexts) await context.close()
      await browser?.close()
    })

    async function tablet(name: string): Promise<Page> {
      const context = await newTablet(browser, name)
      contexts.push(context)
      context.on('weberror', (error) => problems.push(`[${name}] page error: ${error.error().message}`))
      context.on('console', (message) => {
        if (message.type() === 'error') problems.push(`[${name}] console: ${message.text()}`)
      })
      const page = await context.newPage()
      await page.goto(`${server?.baseUrl}/#/tables`)
      await waitConnected(page)
      return page
    }

    it('a tap on tablet A flips the table there at once, and on tablet B after the broadcast', async () => {
      expect(existsSync(join(copy, 'web/dist/index.html')), 'the copy was built').toBe(true)
      // "Restart npm start": the same database, now serving the built app with the board.
      server = await startCopyServer(copy, dataDir)
      browser = await launchChromium()
      const a = await tablet('tablet A')
      const b = await tablet('tablet B')
      const tableOn = (page: Page) => page.getByRole('button', { name: /^Table 1:/ })
      await expect.poll(() => tableOn(a).textContent()).toBe('Table 1: free')
      await expect.poll(() => tableOn(b).textContent()).toBe('Table 1: free')

      // Hold A's request in the browser: what A shows until it is released is optimistic.
      const held: Route[] = []
      await a.route('**/tables/*', (route) => {
        if (route.request().method() === 'PATCH') held.push(route)
        else void route.continue()
      })
      await tableOn(a).click()
      await expect.poll(() => tableOn(a).textContent()).toBe('Table 1: seated')
      expect(await tableOn(a).getAttribute('aria-pressed')).toBe('true')
      await expect.poll(() => held.length).toBe(1)
      expect(await tableOn(b).textContent()).toBe('Table 1: free')

      await (held[0] as Route).continue()
      await expect.poll(() => tableOn(b).textContent(), { timeout: 5_000 }).toBe('Table 1: seated')
      expect(await tableOn(b).getAttribute('aria-pressed')).toBe('true')
      await expect.poll(() => b.getByTestId('sync-devtools').textContent()).toContain('table.updated')
      await expect.poll(() => tableOn(a).textContent()).toBe('Table 1: seated')
      await screenshot(b, 'tutorial-tables-board')

      const tables = (await (await fetch(`${server?.baseUrl}/tables`)).json()) as {
        name: string
        seated: boolean
      }[]
      expect(tables.find((table) => table.name === 'Table 1')?.seated).toBe(true)
      expect(problems).toEqual([])
    }, 120_000)
  })
})
