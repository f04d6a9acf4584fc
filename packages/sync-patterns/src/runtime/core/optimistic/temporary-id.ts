let last = 0

/**
 * An id for a row whose real id only the server's answer tells, when ids are numbers: -1, -2, …
 * Negative, so it never equals an id the server gave; the row is replaced by the server's once the
 * confirming refetch lands. (String ids get `optimistic:<uuid>`, UUID ids a fresh UUID.)
 */
export function temporaryNumberId(): number {
  last -= 1
  return last
}
