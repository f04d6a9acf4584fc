import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from './example-copy.js'
import { applyDiff, readTutorial } from './readme-tutorial.js'

describe('readTutorial', () => {
  it("finds the README tutorial's blocks, each with its file", () => {
    const { blocks } = readTutorial(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'))
    const files = blocks.flatMap((block) => (block.kind === 'shell' ? [] : [`${block.kind} ${block.path}`]))
    expect(files).toContain('file server/routes/tables.ts')
    expect(files).toContain('edit server/db/migrations/meta/_journal.json')
    expect(files).toContain('edit web/src/App.tsx')
    expect(blocks.filter((block) => block.kind === 'shell')).toHaveLength(1)
  })

  it('refuses a code block without a file', () => {
    const readme = '## Five-minute tutorial: sync a new entity\n\nSome code:\n\n```ts\nconst x = 1\n```\n'
    expect(() => readTutorial(readme)).toThrow(/README.md:5: .*file in backticks/)
  })
})

describe('applyDiff', () => {
  const source = 'import { a } from "a"\nimport { c } from "c"\n\nexport const list = [\n  a,\n  c,\n]\n'

  it('adds lines after their context, removes "-" lines, and appends context-free changes', () => {
    const diff = [
      ' import { a } from "a"',
      '+import { b } from "b"',
      '@@',
      '   a,',
      '+  b,',
      '-  c,',
      '@@ at the end @@',
      '+export const n = 1',
    ].join('\n')
    expect(applyDiff(source, `${diff}\n`)).toBe(
      'import { a } from "a"\nimport { b } from "b"\nimport { c } from "c"\n\nexport const list = [\n  a,\n  b,\n]\nexport const n = 1\n',
    )
  })

  it('names the lines it cannot find, and finds changes only after the previous one', () => {
    expect(() => applyDiff(source, '   d,\n+  e,\n')).toThrow(/not in the file[\s\S]* {2}d,/)
    expect(() => applyDiff(source, '   c,\n+  d,\n@@\n import { a } from "a"\n+x\n')).toThrow(/after line 7/)
  })
})
