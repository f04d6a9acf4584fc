import { withShortIds } from './format.js'

/** The HTTP status of a failed request (the runtime's ApiError carries it), if the error has one. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined
  return typeof error.status === 'number' ? error.status : undefined
}

/** fetch() rejects with a TypeError, whatever the browser's wording, when no response came back. */
function isNetworkFailure(error: unknown): boolean {
  return error instanceof TypeError && httpStatusOf(error) === undefined
}

function isOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false
}

/**
 * A short, user-facing reason: the server's problem `detail` when there is one, a plain sentence
 * when the request never reached the server, else the message. Ids in it are shortened for people.
 */
export function reasonOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'body' in error) {
    const body = error.body
    if (typeof body === 'object' && body !== null && 'detail' in body && typeof body.detail === 'string') {
      return withShortIds(body.detail)
    }
  }
  if (isNetworkFailure(error)) {
    return isOffline() ? 'you are offline' : 'the server could not be reached (is it running?)'
  }
  return withShortIds(error instanceof Error ? error.message : String(error))
}

/**
 * The toast for a refused or failed change, e.g. `failureMessage('Could not add Espresso', error)`.
 * Offline, it leads with that ("You are offline: could not add Espresso…") instead of the
 * browser's "Failed to fetch".
 */
export function failureMessage(whatFailed: string, error: unknown): string {
  if (isNetworkFailure(error) && isOffline()) {
    const what = whatFailed.charAt(0).toLowerCase() + whatFailed.slice(1)
    return `You are offline: ${what}. Nothing was saved; try again once the network is back.`
  }
  return `${whatFailed}: ${reasonOf(error)}`
}
