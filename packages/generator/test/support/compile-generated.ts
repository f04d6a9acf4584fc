import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'

/**
 * The options generated code must compile under: what the repo's own typecheck applies to the
 * snapshots (`tsc --strict` with `noUncheckedIndexedAccess`, bundler resolution, React JSX).
 */
export const generatedCompilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  customConditions: ['source'],
  strict: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  noEmit: true,
  isolatedModules: true,
  verbatimModuleSyntax: true,
  jsx: ts.JsxEmit.ReactJSX,
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: [],
}

/**
 * Compiles `files` and returns one line per diagnostic (`file:line message`, the file relative to
 * `root` when given): an empty list is a clean compile.
 */
export function compileFiles(files: string[], root: string, extra: ts.CompilerOptions = {}): string[] {
  const program = ts.createProgram(files, { ...generatedCompilerOptions, ...extra })
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const name =
      d.file && root && d.file.fileName.startsWith(root)
        ? d.file.fileName.slice(root.length + 1)
        : d.file?.fileName
    const where = d.file ? `${name}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : ''
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
  })
}

/** tsc --strict over every `.ts` file under `out` (a generated output directory). */
export function compileGenerated(out: string): string[] {
  const files = readdirSync(out, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(out, f))
  return compileFiles(files, out)
}
