import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { generateFiles } from '../src/generate.js'
import { GeneratorError } from '../src/generator-error.js'
import { CORPUS, type CorpusDocument } from './corpus/corpus.js'
import { compileGenerated } from './support/compile-generated.js'

// Issue 14: every valid real-world document generates code that passes tsc --strict, and an invalid
// one is refused with a pointer, then generates with lenient mode. The documents are the publishers'
// files, unedited (corpus/README.md lists where each comes from and its licence).

const here = dirname(fileURLToPath(import.meta.url))
const corpus = join(here, 'corpus')
const work = join(resolve(here, '../../..'), 'node_modules/.cache/sync-patterns-corpus', String(process.pid))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Generates `doc` (strict, or lenient) and writes the files under the work directory. */
async function generateInto(
  doc: CorpusDocument,
  lenient: boolean,
): Promise<{ out: string; warnings: string[] }> {
  const out = join(work, doc.name)
  rmSync(out, { recursive: true, force: true })
  const { files, model } = await generateFiles(join(corpus, 'documents', doc.entry), out, 'auto', { lenient })
  for (const [path, source] of files) {
    mkdirSync(dirname(join(out, path)), { recursive: true })
    writeFileSync(join(out, path), source)
  }
  return { out, warnings: model.warnings }
}

describe('the corpus of real-world OpenAPI documents', () => {
  it('has at least 40 documents, each with its source and licence in corpus/README.md', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40)
    const readme = readFileSync(join(corpus, 'README.md'), 'utf8')
    const rows = readme.split('\n').filter((line) => line.startsWith('|'))
    for (const doc of CORPUS) {
      expect(doc.source, doc.name).toMatch(/^(npm |github:)\S+@\S+ \S+/)
      expect(doc.licence, doc.name).not.toBe('')
      expect(
        rows.some((row) => row.includes(doc.name) && row.includes(doc.licence)),
        `${doc.name} in README.md`,
      ).toBe(true)
    }
    expect(new Set(CORPUS.map((d) => d.name)).size).toBe(CORPUS.length)
  })

  const valid = CORPUS.filter((doc) => doc.invalid === undefined)
  const invalid = CORPUS.filter((doc) => doc.invalid !== undefined)

  it.each(valid.map((doc) => [doc.name, doc] as const))(
    '%s generates output that compiles under tsc --strict',
    async (_, doc) => {
      const { out } = await generateInto(doc, false)
      expect(compileGenerated(out)).toEqual([])
    },
    180_000,
  )

  it.each(invalid.map((doc) => [doc.name, doc] as const))(
    '%s is refused with a pointer, and generates compiling output in lenient mode',
    async (_, doc) => {
      const refused = generateInto(doc, false)
      await expect(refused).rejects.toBeInstanceOf(GeneratorError)
      await expect(refused).rejects.toThrow(/ at \//)
      const { out, warnings } = await generateInto(doc, true)
      expect(warnings.some((w) => w.startsWith('skipped '))).toBe(true)
      expect(compileGenerated(out)).toEqual([])
    },
    180_000,
  )
})
