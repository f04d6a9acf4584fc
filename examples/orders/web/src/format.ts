/** Money is integer cents on the wire; shown as dollars. */
export function formatCents(cents: number | null | undefined): string {
  return `$${((cents ?? 0) / 100).toFixed(2)}`
}

/** A short, human-friendly handle for a UUID (the first 6 characters). */
export function shortId(id: string): string {
  return id.slice(0, 6).toUpperCase()
}

/** "draft" → "Draft", "in_progress" → "In progress". */
export function statusLabel(status: string): string {
  const words = status.replace(/_/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** "1 item", "2 items", "0 items". */
export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi

/** Text for people: every UUID in it (a server's problem detail names them) as its short id. */
export function withShortIds(text: string): string {
  return text.replace(UUID, (id) => `#${shortId(id)}`)
}
