import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const PERFORMANCE_MD = fileURLToPath(new URL('../docs/performance.md', import.meta.url))

/**
 * Writes one benchmark's section into docs/performance.md: `section` starts with its `## ` heading
 * and replaces the section of the same heading (up to the next `## `), or is appended. Every other
 * script's section is left as it is.
 */
export function writePerformanceSection(section: string): void {
  const heading = section.slice(0, section.indexOf('\n') === -1 ? undefined : section.indexOf('\n'))
  if (!heading.startsWith('## ')) throw new Error(`a section starts with its "## " heading, got ${heading}`)
  let doc: string
  try {
    doc = readFileSync(PERFORMANCE_MD, 'utf8')
  } catch {
    doc = '# Performance\n\nMeasured by the `npm run bench:*` scripts; each writes its own section.\n'
  }
  const start = doc.indexOf(`${heading}\n`)
  if (start === -1) {
    doc = `${doc.trimEnd()}\n\n${section}`
  } else {
    const next = doc.indexOf('\n## ', start + heading.length)
    doc = doc.slice(0, start) + section.trimEnd() + (next === -1 ? '\n' : `\n\n${doc.slice(next + 1)}`)
  }
  writeFileSync(PERFORMANCE_MD, doc)
}
