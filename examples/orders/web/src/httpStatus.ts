/** The HTTP status of a failed request (the runtime's ApiError carries it), if the error has one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined
  return typeof error.status === 'number' ? error.status : undefined
}

/** A short, user-facing reason: the server's problem `detail` when there is one, else the message. */
export function reasonOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'body' in error) {
    const body = error.body
    if (typeof body === 'object' && body !== null && 'detail' in body && typeof body.detail === 'string') {
      return body.detail
    }
  }
  return error instanceof Error ? error.message : String(error)
}
