import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { run } from './run.js'

/** The published packages, by folder under packages/. */
export const PACKAGE_DIRS = [
  'protocol',
  'backend-patterns',
  'sync-patterns',
  'devtools',
  'generator',
] as const
export type PackageDir = (typeof PACKAGE_DIRS)[number]

export interface PackageManifest {
  name: string
  version: string
  exports?: Record<string, unknown>
  bin?: Record<string, string> | string
  files?: string[]
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  [key: string]: unknown
}

export interface PackedPackage {
  dir: PackageDir
  manifest: PackageManifest
  /** The tarball's absolute path. */
  tarball: string
  /** Every file in the tarball, relative to the package root, as `npm pack --json` lists them. */
  files: string[]
  /** The packed copy: its dist/ is what the tarball holds. */
  copy: string
}

/** What a copy leaves out: tests and anything built or installed. */
const SKIPPED = new Set(['node_modules', 'dist', 'test', 'test-results', '.data'])

/**
 * `npm pack` of every package, each from a copy in `workDir` (so the `prepack` build writes its
 * dist/ there, never into the repository, where the generator's bin would prefer it). The copies
 * sit beside a tsconfig.json extending the repository's and a node_modules link to the
 * repository's, so tsup builds them as it builds the packages in place.
 */
export async function packPackages(
  repoRoot: string,
  workDir: string,
): Promise<Map<PackageDir, PackedPackage>> {
  const tarballs = join(workDir, 'tarballs')
  mkdirSync(tarballs, { recursive: true })
  symlinkSync(join(repoRoot, 'node_modules'), join(workDir, 'node_modules'), 'dir')
  writeFileSync(
    join(workDir, 'tsconfig.json'),
    JSON.stringify({ extends: join(repoRoot, 'tsconfig.base.json'), compilerOptions: { noEmit: true } }),
  )
  const packed = await Promise.all(
    PACKAGE_DIRS.map(async (dir): Promise<PackedPackage> => {
      const source = join(repoRoot, 'packages', dir)
      const copy = join(workDir, dir)
      mkdirSync(copy)
      for (const entry of readdirSync(source)) {
        if (SKIPPED.has(entry)) continue
        cpSync(join(source, entry), join(copy, entry), { recursive: true })
      }
      // A package's own nested node_modules (npm puts conflicting versions there) stays reachable.
      const nested = join(source, 'node_modules')
      if (existsSync(nested) && readdirSync(nested).length > 0)
        symlinkSync(nested, join(copy, 'node_modules'), 'dir')
      const { output } = await run('npm', ['pack', '--json', '--pack-destination', tarballs], {
        cwd: copy,
        timeoutMs: 120_000,
      })
      // The prepack build prints to stdout too; the JSON report is the last thing printed.
      const start = output.search(/^\[\s*\{/m)
      if (start < 0) throw new Error(`npm pack in packages/${dir} printed no JSON report:\n${output}`)
      const [report] = JSON.parse(output.slice(start)) as Array<{
        filename: string
        files: Array<{ path: string }>
      }>
      if (!report) throw new Error(`npm pack in packages/${dir} reported no package`)
      return {
        dir,
        manifest: JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')),
        tarball: join(tarballs, report.filename),
        files: report.files.map((file) => file.path),
        copy,
      }
    }),
  )
  return new Map(packed.map((pack) => [pack.dir, pack]))
}

/**
 * Every file an `exports` map points at, with the condition path that leads to it
 * (`./runtime > types`). Patterns (`*`) are listed as they are.
 */
export function exportTargets(exports: unknown, where = ''): Array<{ condition: string; target: string }> {
  if (typeof exports === 'string') return [{ condition: where || '.', target: exports }]
  if (Array.isArray(exports)) return exports.flatMap((entry) => exportTargets(entry, where))
  if (exports && typeof exports === 'object') {
    return Object.entries(exports).flatMap(([key, value]) =>
      exportTargets(value, where ? `${where} > ${key}` : key),
    )
  }
  return []
}

/** Relative link and image targets in Markdown (`[text](target)`, `<img src="target">`). */
export function relativeMarkdownLinks(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '')
  const targets = [
    ...[...withoutCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1] ?? ''),
    ...[...withoutCode.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((match) => match[1] ?? ''),
    ...[...withoutCode.matchAll(/<(?:img|a)\s[^>]*(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? ''),
  ]
  return targets.filter((target) => target !== '' && !/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(target))
}
