import { format } from 'prettier'

/** The repo's Biome style (biome.json): 2 spaces, single quotes, no semicolons, 110 columns, trailing commas. */
const style = {
  parser: 'typescript',
  printWidth: 110,
  tabWidth: 2,
  useTabs: false,
  semi: false,
  singleQuote: true,
  jsxSingleQuote: false,
  trailingComma: 'all',
  bracketSpacing: true,
  arrowParens: 'always',
  quoteProps: 'as-needed',
  endOfLine: 'lf',
} as const

export async function formatSource(source: string): Promise<string> {
  return format(source, style)
}
