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
