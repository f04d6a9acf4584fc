import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A package-lock.json for a fresh app outside the repository, so `npm ci --offline` installs it
 * from the local npm cache alone.
 *
 * Why not `npm install --offline`: npm 11 resolves versions from full registry documents
 * (packuments), and `npm ci` of this repository caches only the tarballs (and at most the
 * abbreviated documents), so an offline install without a lockfile fails with ENOTCACHED. A
 * lockfile names every tarball by version and integrity, which the cache does hold.
 *
 * Third-party packages are taken from the repository's own package-lock.json (same versions, same
 * layout: npm resolved them there); our packages are the packed tarballs. `npm ls` in the app then
 * checks that every range is satisfied, so a dependency range of ours that the repository's
 * versions do not satisfy still fails.
 */

interface LockEntry {
  version?: string
  resolved?: string
  integrity?: string
  link?: boolean
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  optional?: boolean
  [key: string]: unknown
}

export interface TarballPackage {
  /** The packed package.json. */
  manifest: {
    name: string
    version: string
    dependencies?: Record<string, string>
    optionalDependencies?: Record<string, string>
    peerDependencies?: Record<string, string>
    peerDependenciesMeta?: Record<string, { optional?: boolean }>
    bin?: Record<string, string> | string
    [key: string]: unknown
  }
  /** The tarball, relative to the app's directory (its package.json says `file:<this>`). */
  file: string
  /** The tarball's absolute path. */
  path: string
}

export interface AppManifest {
  name: string
  dependencies: Record<string, string>
  devDependencies?: Record<string, string>
}

/** The `packages` of the repository's package-lock.json. */
export function readRepoLock(repoRoot: string): Record<string, LockEntry> {
  return JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')).packages
}

/**
 * The lockfile of `app` (whose registry dependencies must be exact versions the repository's lock
 * has at its root) with `tarballs` for our packages. Throws naming what the repository's lock
 * cannot supply.
 */
export function appLockfile(
  app: AppManifest,
  tarballs: readonly TarballPackage[],
  repoLock: Record<string, LockEntry>,
): object {
  const ours = new Map(tarballs.map((tarball) => [tarball.manifest.name, tarball]))
  const packages: Record<string, LockEntry> = {
    '': { name: app.name, dependencies: app.dependencies, devDependencies: app.devDependencies ?? {} },
  }

  /** Node's lookup from the package at lock path `from` ('' is the root), in the repo's lock. */
  const resolve = (from: string, name: string): string | undefined => {
    let base = from
    for (;;) {
      const path = `${base ? `${base}/` : ''}node_modules/${name}`
      if (repoLock[path] && !repoLock[path].link) return path
      if (!base) return undefined
      const at = base.lastIndexOf('node_modules/')
      base = base.slice(0, Math.max(0, at - 1))
    }
  }

  const wanted = (entry: {
    dependencies?: Record<string, string>
    optionalDependencies?: Record<string, string>
    peerDependencies?: Record<string, string>
    peerDependenciesMeta?: Record<string, { optional?: boolean }>
  }): Array<{ name: string; optional: boolean }> => [
    ...Object.keys(entry.dependencies ?? {}).map((name) => ({ name, optional: false })),
    ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
    ...Object.keys(entry.peerDependencies ?? {})
      .filter((name) => !entry.peerDependenciesMeta?.[name]?.optional)
      .map((name) => ({ name, optional: false })),
  ]

  const addTarball = (tarball: TarballPackage): void => {
    const { manifest } = tarball
    const path = `node_modules/${manifest.name}`
    if (packages[path]) return
    const bin =
      typeof manifest.bin === 'string'
        ? { [manifest.name.split('/').pop() ?? '']: manifest.bin }
        : manifest.bin
    packages[path] = {
      version: manifest.version,
      resolved: `file:${tarball.file}`,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball.path)).digest('base64')}`,
      ...pick(manifest, [
        'license',
        'dependencies',
        'optionalDependencies',
        'peerDependencies',
        'peerDependenciesMeta',
        'engines',
      ]),
      ...(bin ? { bin } : {}),
    }
    for (const { name, optional } of wanted(manifest)) addDependency('', name, optional, manifest.name)
  }

  const addRegistry = (path: string): void => {
    if (packages[path]) return
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = repoLock[path] as LockEntry
    packages[path] = entry
    for (const { name, optional } of wanted(entry)) addDependency(path, name, optional, path)
  }

  function addDependency(from: string, name: string, optional: boolean, by: string): void {
    const tarball = ours.get(name)
    const path = tarball ? undefined : resolve(from, name)
    if (tarball) addTarball(tarball)
    else if (path) addRegistry(path)
    else if (!optional) {
      throw new Error(
        `${by} needs ${name}, which the repository's package-lock.json does not have: add it to a workspace that uses it`,
      )
    }
  }

  for (const [name, spec] of Object.entries({ ...app.dependencies, ...app.devDependencies })) {
    if (ours.has(name)) {
      addTarball(ours.get(name) as TarballPackage)
      continue
    }
    const path = `node_modules/${name}`
    if (repoLock[path]?.version !== spec) {
      throw new Error(
        `${name}@${spec}: the repository's lock has ${repoLock[path]?.version ?? 'none'} at its root`,
      )
    }
    addRegistry(path)
  }
  return { name: app.name, lockfileVersion: 3, requires: true, packages }
}

function pick<T extends object>(object: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => keys.includes(key))) as Partial<T>
}
