import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type TestServer } from '../harness.js'
import { browserAppFiles, installApp, installedPackages, serverAppFiles } from './fresh-app.js'
import {
  exportTargets,
  PACKAGE_DIRS,
  type PackageDir,
  type PackedPackage,
  packPackages,
  relativeMarkdownLinks,
} from './pack-packages.js'
import { run } from './run.js'

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

/** The generator's toolchain: none of it may reach an app that installs only the runtime. */
const GENERATOR_TOOLCHAIN = [
  '@biomejs/biome',
  'prettier',
  '@redocly/openapi-core',
  'openapi-typescript',
  'jiti',
  'yaml',
  'typescript',
]
/** What the runtime's size budget does not count: React and TanStack Query themselves. */
const REACT_AND_QUERY = /^(react|react-dom|scheduler|@tanstack\/[^/]*query[^/]*)$/
const RUNTIME_BUDGET_BYTES = 5 * 1024 * 1024

/**
 * Issue 13, item 5: the packages as a new team gets them. Every package is packed (its prepack
 * builds it), the tarballs are installed into fresh apps in the system's temp directory, outside
 * the repository, offline from the npm cache, and used only through their published entry points.
 * The tarballs ship src/ next to dist/, so the `source` export condition (the monorepo's way to
 * run without a build) points at files they have, like every other condition. Set
 * KEEP_PACKAGING_APPS=1 to keep the tarballs and apps (the path is printed) to look at.
 */
describe('the packages, packed and installed outside the repository', () => {
  let work: string
  let packed: Map<PackageDir, PackedPackage>
  /** An app with only the runtime (and the protocol it depends on) next to React and React Query. */
  let runtimeApp: string
  /** A Vite + React app with the runtime and the generator, plus a Node server on backend-patterns. */
  let fullApp: string
  let orders: TestServer | undefined

  const pack = (dir: PackageDir): PackedPackage => {
    const found = packed.get(dir)
    if (!found) throw new Error(`packages/${dir} was not packed`)
    return found
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'sync-patterns-packaging-'))
    const started = performance.now()
    packed = await packPackages(REPO_ROOT, join(work, 'pack'))
    const packedAt = performance.now()
    runtimeApp = join(work, 'runtime-app')
    fullApp = join(work, 'app')
    await Promise.all([
      installApp(REPO_ROOT, runtimeApp, {
        name: 'runtime-only-app',
        packages: { dependencies: [pack('sync-patterns'), pack('protocol')] },
        dependencies: ['react', 'react-dom', '@tanstack/react-query'],
      }),
      installApp(
        REPO_ROOT,
        fullApp,
        {
          name: 'fresh-orders-app',
          packages: {
            dependencies: [pack('sync-patterns'), pack('protocol'), pack('backend-patterns')],
            devDependencies: [pack('generator')],
          },
          dependencies: ['react', 'react-dom', '@tanstack/react-query', 'fastify', 'ws'],
          devDependencies: [
            'vite',
            '@vitejs/plugin-react',
            'typescript',
            '@types/react',
            '@types/react-dom',
            '@types/node',
            '@types/ws',
          ],
        },
        { ...browserAppFiles, ...serverAppFiles },
      ),
    ])
    const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1)
    console.info(
      `packed in ${seconds(started, packedAt)} s, installed in ${seconds(packedAt, performance.now())} s`,
    )
  }, 300_000)

  afterAll(async () => {
    await orders?.close()
    if (work && process.env.KEEP_PACKAGING_APPS !== '1') rmSync(work, { recursive: true, force: true })
    else if (work) console.info(`kept the packed packages and the apps in ${work}`)
  })

  it('builds every package in prepack, and every export condition and bin points into the tarball', () => {
    for (const dir of PACKAGE_DIRS) {
      const { manifest, files } = pack(dir)
      expect(manifest.scripts?.prepack, `packages/${dir} has a prepack script`).toBe('npm run build')
      expect(
        files.filter((file) => file.startsWith('dist/')),
        `packages/${dir}'s tarball has its build`,
      ).not.toEqual([])
      // Nothing but the build, the sources, the bin and the README: no tests, fixtures or caches.
      expect(
        files.filter(
          (file) =>
            !['README.md', 'package.json'].includes(file) &&
            !(/^(dist|src|bin)\//.test(file) && !/(\.test\.|\/__\w+__\/)/.test(file)),
        ),
        `packages/${dir}'s tarball has only dist/, src/, bin/ and README.md`,
      ).toEqual([])
      const targets = [
        ...exportTargets(manifest.exports).map(({ condition, target }) => ({
          what: `exports ${condition}`,
          target,
        })),
        ...Object.entries(
          typeof manifest.bin === 'string' ? { [manifest.name]: manifest.bin } : (manifest.bin ?? {}),
        ).map(([name, target]) => ({ what: `bin ${name}`, target })),
        ...(['main', 'module', 'types', 'typings'] as const)
          .filter((field) => typeof manifest[field] === 'string')
          .map((field) => ({ what: field, target: manifest[field] as string })),
      ]
      expect(targets.length, `packages/${dir} exports something`).toBeGreaterThan(0)
      const missing = targets.filter(({ target }) => {
        const path = posix.normalize(target)
        if (!path.includes('*')) return !files.includes(path)
        const pattern = new RegExp(`^${path.split('*').map(escapeRegExp).join('.+')}$`)
        return !files.some((file) => pattern.test(file))
      })
      expect(missing, `${manifest.name}: targets missing from its tarball`).toEqual([])
      // TypeScript takes the first condition that matches: `types` must come before `default`.
      for (const entry of Object.values(manifest.exports ?? {})) {
        if (!entry || typeof entry !== 'object') continue
        const keys = Object.keys(entry)
        if (keys.includes('types') && keys.includes('default')) {
          expect(keys.indexOf('types'), `${manifest.name}: types before default`).toBeLessThan(
            keys.indexOf('default'),
          )
        }
      }
    }
  })

  it('ships READMEs whose relative links stay inside the tarball', () => {
    for (const dir of PACKAGE_DIRS) {
      const { manifest, files, copy } = pack(dir)
      expect(files, `${manifest.name} ships its README`).toContain('README.md')
      const outside = relativeMarkdownLinks(readFileSync(join(copy, 'README.md'), 'utf8')).filter((link) => {
        const path = posix.normalize(decodeURIComponent(link.replace(/[#?].*$/, '')))
        return path.startsWith('..') || !files.some((file) => file === path || file.startsWith(`${path}/`))
      })
      expect(outside, `${manifest.name}'s README links to files its tarball does not have`).toEqual([])
    }
  })

  it('declares every package its built code and types import', () => {
    const builtins = new Set(builtinModules)
    for (const dir of PACKAGE_DIRS) {
      const { manifest, files, copy } = pack(dir)
      const declared = new Set([
        manifest.name,
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.optionalDependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ])
      const undeclared = new Set<string>()
      for (const file of files.filter((path) => /^(dist|bin)\/.*\.(m?js|d\.ts)$/.test(path))) {
        for (const fileName of moduleSpecifiers(readFileSync(join(copy, file), 'utf8'), file)) {
          if (fileName.startsWith('.') || fileName.startsWith('node:') || builtins.has(fileName)) continue
          const name = fileName
            .split('/')
            .slice(0, fileName.startsWith('@') ? 2 : 1)
            .join('/')
          if (!declared.has(name)) undeclared.add(`${name} (${file})`)
        }
      }
      expect([...undeclared], `${manifest.name} imports packages it does not declare`).toEqual([])
    }
  })

  it('installs the runtime with at most 5 MB besides React and TanStack Query, none of the generator toolchain and one @tanstack/query-core', () => {
    const installed = installedPackages(runtimeApp)
    const names = new Set(installed.map((pkg) => pkg.name))
    expect(GENERATOR_TOOLCHAIN.filter((name) => names.has(name))).toEqual([])
    expect([...names].filter((name) => name.startsWith('@biomejs/'))).toEqual([])
    expect(installed.filter((pkg) => pkg.name === '@tanstack/query-core').map((pkg) => pkg.path)).toEqual([
      'node_modules/@tanstack/query-core',
    ])
    const counted = installed.filter((pkg) => !REACT_AND_QUERY.test(pkg.name))
    const bytes = counted.reduce((sum, pkg) => sum + pkg.bytes, 0)
    console.info(
      `runtime install besides React and TanStack Query: ${(bytes / 1024).toFixed(0)} KiB (${counted
        .map((pkg) => `${pkg.name} ${(pkg.bytes / 1024).toFixed(0)} KiB`)
        .join(', ')})`,
    )
    expect(bytes).toBeLessThanOrEqual(RUNTIME_BUDGET_BYTES)
    // The app with the generator as a devDependency still has one query-core.
    expect(
      installedPackages(fullApp)
        .filter((pkg) => pkg.name === '@tanstack/query-core')
        .map((pkg) => pkg.path),
    ).toEqual(['node_modules/@tanstack/query-core'])
  })

  it("generates from the Orders server's /openapi.json with the installed bin, then type-checks (skipLibCheck: false) and builds with Vite", async () => {
    orders = await startServer('pglite')
    const generate = await run(
      // As the READMEs say: `npx sync-patterns generate` with the generator as a devDependency
      // (`--no`: never fetch it from the registry).
      'npx',
      [
        '--no',
        'sync-patterns',
        'generate',
        '--input',
        `${orders.baseUrl}/openapi.json`,
        '--output',
        'src/generated',
      ],
      { cwd: fullApp, timeoutMs: 60_000 },
    )
    // The built CLI ran (no TypeScript fallback, which needs tsx) and its types worker did too.
    expect(generate.stderr).not.toMatch(/warning|tsx/i)
    expect(existsSync(join(fullApp, 'src/generated/index.ts'))).toBe(true)
    await orders.close()
    orders = undefined

    await run(join(fullApp, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], {
      cwd: fullApp,
      timeoutMs: 120_000,
    })
    await run(join(fullApp, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], {
      cwd: fullApp,
      timeoutMs: 120_000,
    })
    expect(readFileSync(join(fullApp, 'dist/index.html'), 'utf8')).toMatch(
      /<script type="module"[^>]*src="\/assets\//,
    )
    expect(readdirSync(join(fullApp, 'dist/assets')).filter((file) => file.endsWith('.js'))).not.toEqual([])
  }, 180_000)

  it("runs a Node server on backend-patterns' Fastify plugin that broadcasts to the runtime's BroadcastClient (type-checked with skipLibCheck: false)", async () => {
    await run(join(fullApp, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.server.json'], {
      cwd: fullApp,
      timeoutMs: 120_000,
    })
    const { stdout } = await run(process.execPath, ['server/broadcast-check.js'], {
      cwd: fullApp,
      timeoutMs: 30_000,
    })
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}')
    expect(result).toEqual({
      status: 200,
      state: 'connected',
      event: { kind: 'event', channel: 'order', event: 'item_added', payload: { entity_id: '42' } },
    })
  }, 120_000)
})

/** The modules a file imports, requires or references (`/// <reference types>`), from its syntax tree. */
function moduleSpecifiers(text: string, fileName: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false)
  const found = source.typeReferenceDirectives.map((reference) => reference.fileName)
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text)
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal))
        found.push(argument.literal.text)
    } else if (ts.isCallExpression(node)) {
      const [first] = node.arguments
      const callee = node.expression
      const loads =
        callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')
      if (loads && first && ts.isStringLiteralLike(first)) found.push(first.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
