import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')

/** Every module specifier (values and types) of `entry` and of the local modules it reaches. */
function reachableImports(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = []
  const packages = new Set<string>()
  const pending = [resolve(src, entry)]
  while (pending.length > 0) {
    const file = pending.pop() as string
    if (files.includes(file)) continue
    files.push(file)
    const text = readFileSync(file, 'utf8')
    for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      if (specifier?.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')))
      else if (specifier) packages.add(specifier)
    }
  }
  return { files, packages }
}

describe('broadcast entry points', () => {
  it('/broadcast (the in-memory path, any node:http server) reaches neither pg, ioredis nor fastify, not even for types', () => {
    const { packages } = reachableImports('broadcast/index.ts')
    expect([...packages].filter((p) => /^(pg|ioredis|fastify)(\/|$)/.test(p))).toEqual([])
  })

  it('/broadcast/fastify reaches fastify, and neither pg nor ioredis', () => {
    const { packages } = reachableImports('broadcast/fastify.ts')
    expect([...packages].some((p) => /^fastify(-plugin)?$/.test(p))).toBe(true)
    expect([...packages].filter((p) => /^(pg|ioredis)(\/|$)/.test(p))).toEqual([])
  })

  it('/broadcast/redis and /broadcast/postgres each reach only their own client library', () => {
    const redis = reachableImports('broadcast/redis.ts').packages
    const postgres = reachableImports('broadcast/postgres.ts').packages
    expect(redis.has('ioredis')).toBe(true)
    expect(redis.has('pg')).toBe(false)
    expect(postgres.has('pg')).toBe(true)
    expect(postgres.has('ioredis')).toBe(false)
  })
})
