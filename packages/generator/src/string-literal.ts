/**
 * A string as TypeScript source, quoted as Biome quotes it: single quotes, or double quotes when
 * the text holds more single quotes than double. Used for every literal the generator writes
 * (values, keys, indexed types), so the output needs no formatter to get its quotes right.
 */
export function stringLiteral(value: string): string {
  const escaped = JSON.stringify(value).slice(1, -1)
  const count = (quote: string) => value.split(quote).length - 1
  if (count("'") > count('"')) return `"${escaped}"`
  return `'${escaped.replace(/\\"/g, '"').replace(/'/g, "\\'")}'`
}
