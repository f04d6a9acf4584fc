/**
 * Reads the README's five-minute tutorial as a script: its fenced code blocks, in order, each with
 * the file it belongs to.
 *
 * The convention (written for people first; the README states it once):
 * - A code block that goes into a file is introduced by a line that starts with the file's path in
 *   backticks, relative to `examples/orders/`: "`server/routes/tables.ts` (new):".
 * - A ```diff block changes an existing file: lines starting with a space are context, `+` lines
 *   are added, `-` lines removed; `@@ … @@` starts the next change in the same file. A change with
 *   no context or removed lines goes at the end of the file. Its context is found in the file as
 *   is, so a change always lands where the reader is told it goes, or the test says which is gone.
 * - Any other block (```ts, ```tsx, ```sql) is a whole new file.
 * - ```bash blocks are commands; the test runs the tutorial's `sync-patterns generate` line.
 */

export const TUTORIAL_HEADING = '## Five-minute tutorial: sync a new entity'

export type TutorialBlock =
  | { kind: 'file'; path: string; body: string; line: number }
  | { kind: 'edit'; path: string; body: string; line: number }
  | { kind: 'shell'; body: string; line: number }

export interface Tutorial {
  /** The tutorial's own text (heading to the next `## ` heading). */
  text: string
  blocks: TutorialBlock[]
}

const CAPTION = /^`([^`\s]+\.[a-z]+)`/
const FENCE = /^```(\S*)\s*$/

/** The tutorial section of `readme` and its code blocks; throws when a block has no caption. */
export function readTutorial(readme: string): Tutorial {
  const lines = readme.split('\n')
  const start = lines.findIndex((line) => line.trim() === TUTORIAL_HEADING)
  if (start < 0) throw new Error(`README.md has no "${TUTORIAL_HEADING}" section`)
  let end = lines.findIndex((line, i) => i > start && line.startsWith('## '))
  if (end < 0) end = lines.length
  const blocks: TutorialBlock[] = []
  for (let i = start + 1; i < end; i++) {
    const open = FENCE.exec(lines[i] ?? '')
    if (!open) continue
    const lang = open[1] ?? ''
    const close = lines.findIndex((line, j) => j > i && line.trim() === '```')
    if (close < 0 || close >= end) throw new Error(`README.md:${i + 1}: code block is never closed`)
    const body = `${lines.slice(i + 1, close).join('\n')}\n`
    const line = i + 1
    if (lang === 'bash' || lang === 'sh') {
      blocks.push({ kind: 'shell', body, line })
    } else {
      let caption = i - 1
      while (caption > start && (lines[caption] ?? '').trim() === '') caption--
      const path = CAPTION.exec(lines[caption] ?? '')?.[1]
      if (!path) {
        throw new Error(
          `README.md:${line}: a tutorial code block must follow a line that starts with its file in backticks`,
        )
      }
      blocks.push({ kind: lang === 'diff' ? 'edit' : 'file', path, body, line })
    }
    i = close
  }
  return { text: lines.slice(start, end).join('\n'), blocks }
}

interface Hunk {
  /** Lines the file has now, in order: context and removed lines. */
  before: string[]
  /** What they become: context and added lines. */
  after: string[]
}

function parseHunks(diff: string): Hunk[] {
  const hunks: Hunk[] = [{ before: [], after: [] }]
  for (const raw of diff.replace(/\n$/, '').split('\n')) {
    const hunk = hunks[hunks.length - 1] as Hunk
    if (raw.startsWith('@@')) {
      if (hunk.before.length + hunk.after.length > 0) hunks.push({ before: [], after: [] })
      continue
    }
    const mark = raw[0] ?? ' '
    const text = raw.slice(1)
    if (mark === '+') hunk.after.push(text)
    else if (mark === '-') hunk.before.push(text)
    else if (mark === ' ') {
      hunk.before.push(text)
      hunk.after.push(text)
    } else throw new Error(`diff line must start with " ", "+", "-" or "@@": ${JSON.stringify(raw)}`)
  }
  return hunks
}

/** Applies a tutorial diff to a file's text; throws naming the lines it could not find. */
export function applyDiff(source: string, diff: string): string {
  const lines = source.split('\n')
  // A file's final newline is not a line of its own here.
  const finalNewline = lines[lines.length - 1] === ''
  if (finalNewline) lines.pop()
  let from = 0
  for (const hunk of parseHunks(diff)) {
    if (hunk.before.length === 0) {
      lines.push(...hunk.after)
      from = lines.length
      continue
    }
    const at = findLines(lines, hunk.before, from)
    if (at < 0) {
      throw new Error(
        `these lines are not in the file (in this order, after line ${from}):\n${hunk.before.join('\n')}`,
      )
    }
    lines.splice(at, hunk.before.length, ...hunk.after)
    from = at + hunk.after.length
  }
  return `${lines.join('\n')}${finalNewline ? '\n' : ''}`
}

function findLines(lines: string[], wanted: string[], from: number): number {
  for (let i = from; i + wanted.length <= lines.length; i++) {
    if (wanted.every((line, j) => lines[i + j] === line)) return i
  }
  return -1
}
