/**
 * openapi-typescript prints its types with the TypeScript printer: 4-space indentation, double
 * quotes, semicolons, one type member per line, never a line break inside a member's type. For the
 * line shapes listed below the repo's Biome style differs from that only in the indentation, the
 * quotes and the semicolons, so converting those is Biome's output without the 30 ms of running
 * Biome on a 300-operation spec. Any other line (a long one Biome would wrap, an escape sequence,
 * an inline object type in a union other than `| null`, a comment with trailing spaces) makes
 * `restyleTypes` return undefined, and the caller runs Biome as before. A test checks the result
 * against Biome's on real and adversarial specs.
 */

import { LINE_WIDTH } from './emit/layout.js'

/** A member's or alias's type when it is flat: names, literals, `[]`, `|`, `&`, `<…>`, `(…)`, no `{`. */
const FLAT_TYPE = String.raw`(?:[\w$.\[\]|&<>,() -]|"[^"\\\n]*")+`
/** Property names the printer leaves bare, or quotes because they need it. */
const KEY = String.raw`(?:[A-Za-z_$][\w$]*|\d+|"[^"\\\n]*"|\[[\w$]+: [\w$]+\])`

/** The code line shapes, most frequent first (this runs on every line of a large file). */
const memberLine = new RegExp(String.raw`^(?:readonly )?${KEY}\??: (?:${FLAT_TYPE};|(?:${FLAT_TYPE} & )?\{)$`)
const closingLine = /^\}(?: & \{| \| null;|;)?$/
const exportLine = new RegExp(String.raw`^export (?:interface [\w$]+ \{|type [\w$]+ = ${FLAT_TYPE};)$`)
const isCodeLine = (text: string) =>
  text.startsWith('}') ? closingLine.test(text) : memberLine.test(text) || exportLine.test(text)

/** A quoted key Biome unquotes: an identifier (non-ASCII names are refused rather than classified). */
const needlesslyQuotedKey = /^(?:readonly )?"(?:[A-Za-z_$][\w$]*|[^"]*[\u0080-\uffff][^"]*)"/

/** Returns the text in the repo's Biome style, or undefined when a line is not one it can vouch for. */
export function restyleTypes(printed: string): string | undefined {
  const lines = printed.split('\n')
  let inComment = false
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line === '') continue
    const indent = line.length - line.trimStart().length
    const text = line.slice(indent)
    if (inComment || text.startsWith('/*')) {
      // Biome never wraps comments, so a comment line may be any length.
      const restyled = restyleComment(text, indent, inComment)
      if (restyled === undefined) return undefined
      inComment = !text.endsWith('*/')
      lines[i] = restyled
      continue
    }
    if (indent % 4 !== 0 || !isCodeLine(text)) return undefined
    const quoted = text.includes('"')
    if (quoted && needlesslyQuotedKey.test(text)) return undefined
    const bare = text.endsWith(';') ? text.slice(0, -1) : text
    const restyled = ' '.repeat(indent / 2) + (quoted ? singleQuoted(bare) : bare)
    if (restyled.length > LINE_WIDTH) return undefined // Biome would wrap it
    lines[i] = restyled
  }
  return inComment ? undefined : lines.join('\n')
}

/**
 * JSDoc lines keep their text; only the indentation halves (` * ` continuation lines sit one space
 * right of their `/**`, which stays true). Trailing spaces are refused: Biome would trim them.
 */
function restyleComment(text: string, indent: number, continuing: boolean): string | undefined {
  if (text !== text.trimEnd() || text.includes('\t')) return undefined
  if (continuing) {
    if (indent % 4 !== 1 || !text.startsWith('*')) return undefined
    return ' '.repeat((indent - 1) / 2 + 1) + text
  }
  if (indent % 4 !== 0 || !text.startsWith('/**')) return undefined
  return ' '.repeat(indent / 2) + text
}

/**
 * Biome's quotes: single, unless the text has a single quote (then double stays, needing no escape).
 * The code line shapes above admit no escapes, so the content never needs rewriting. (stringLiteral's
 * rule, narrowed to escape-free text: calling it per literal doubles the time of this step.)
 */
function singleQuoted(text: string): string {
  return text.replace(/"([^"\\\n]*)"/g, (whole, body: string) => (body.includes("'") ? whole : `'${body}'`))
}
