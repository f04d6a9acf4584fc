/**
 * The corpus: real-world public OpenAPI documents, as their publishers ship them, that the generator
 * must handle (issue 14). `corpus.test.ts` generates each and compiles the output with tsc --strict;
 * `bench/corpus.ts` runs Orval and Hey API on the same files for docs/generator.md. Sources and
 * licences: README.md beside this file.
 */
export interface CorpusDocument {
  /** kebab-case, unique: the row name in the tables. */
  name: string
  /** The entry file, relative to `documents/` (a multi-file document keeps its folder). */
  entry: string
  /** The API, as its publisher names it. */
  title: string
  /** Where the file comes from: `npm <package>@<version> <path>` or `github:<owner>/<repo>@<commit> <path>`. */
  source: string
  /** SPDX identifier, or the words of the licence when it has none. */
  licence: string
  openapi: '3.0' | '3.1'
  /** Operations under `paths` (get, put, post, delete, options, head, patch, trace). */
  operations: number
  /**
   * Set when the document breaks the OpenAPI specification (checked by a validator other than ours):
   * what is wrong and where. Such a document must be refused with a pointer, and generate with
   * `--lenient`.
   */
  invalid?: string
}

export const CORPUS: readonly CorpusDocument[] = []
