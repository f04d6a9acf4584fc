import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const PERFORMANCE_MD = fileURLToPath(new URL('../docs/performance.md', import.meta.url))

/**
 * Writes one benchmark's section into a doc: `section` starts with its `## ` heading and replaces
 * the section of the same heading (up to the next `## `), or is appended. With `marker`, the section
 * sits between `<!-- marker:start -->` and `<!-- marker:end -->` instead (for a doc whose other
 * sections are written by hand), and what is between them is replaced. Every other section is
 * left as it is. `emptyDoc` is the doc's text when the file does not exist yet.
 */
export function writeDocSection(
  file: string,
  section: string,
  { marker, emptyDoc = '' }: { marker?: string; emptyDoc?: string } = {},
): void {
  const heading = section.slice(0, section.indexOf('\n') === -1 ? undefined : section.indexOf('\n'))
  if (!heading.startsWith('## ')) throw new Error(`a section starts with its "## " heading, got ${heading}`)
  let doc: string
  try {
    doc = readFileSync(file, 'utf8')
  } catch {
    doc = emptyDoc
  }
  if (marker !== undefined) {
    const open = `<!-- ${marker}:start -->`
    const close = `<!-- ${marker}:end -->`
    const block = `${open}\n\n${section.trim()}\n\n${close}`
    const start = doc.indexOf(open)
    const end = doc.indexOf(close, start)
    doc =
      start === -1 || end === -1
        ? `${doc.trimEnd()}\n\n${block}\n`
        : doc.slice(0, start) + block + doc.slice(end + close.length)
    writeFileSync(file, doc)
    return
  }
  const start = doc.indexOf(`${heading}\n`)
  if (start === -1) {
    doc = `${doc.trimEnd()}\n\n${section}`
  } else {
    const next = doc.indexOf('\n## ', start + heading.length)
    doc = doc.slice(0, start) + section.trimEnd() + (next === -1 ? '\n' : `\n\n${doc.slice(next + 1)}`)
  }
  writeFileSync(file, doc)
}

/** Writes one benchmark's section into docs/performance.md (see `writeDocSection`). */
export function writePerformanceSection(section: string): void {
  writeDocSection(PERFORMANCE_MD, section, {
    emptyDoc: '# Performance\n\nMeasured by the `npm run bench:*` scripts; each writes its own section.\n',
  })
}
