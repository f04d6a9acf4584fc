import { ApiError } from '@pattern-stack/sync-patterns/runtime'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { failureMessage, reasonOf } from '../../web/src/httpStatus.js'

const id = '7f1c2a9e-0b4d-4c3e-9a51-2f6e8d0c1b7a'
const refusal = new ApiError({
  status: 409,
  body: { status: 409, detail: `order ${id} is submitted: items can only change while it is draft` },
  method: 'POST',
  url: `/orders/${id}/items`,
})
/** What fetch() rejects with when no response came back (Chromium's wording). */
const networkFailure = new TypeError('Failed to fetch')

describe('what a toast says about a failed change', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it("gives the server's reason, with ids shortened", () => {
    expect(reasonOf(refusal)).toBe('order #7F1C2A is submitted: items can only change while it is draft')
    expect(failureMessage('Could not add Espresso to order #7F1C2A', refusal)).toBe(
      'Could not add Espresso to order #7F1C2A: order #7F1C2A is submitted: items can only change while it is draft',
    )
  })

  it('says "You are offline" instead of "Failed to fetch" when the device is offline', () => {
    vi.stubGlobal('navigator', { onLine: false })
    expect(failureMessage('Could not add Espresso', networkFailure)).toBe(
      'You are offline: could not add Espresso. Nothing was saved; try again once the network is back.',
    )
    expect(reasonOf(networkFailure)).toBe('you are offline')
  })

  it('says the server could not be reached when online but no response came', () => {
    vi.stubGlobal('navigator', { onLine: true })
    expect(failureMessage('Could not add Espresso', networkFailure)).toBe(
      'Could not add Espresso: the server could not be reached (is it running?)',
    )
  })
})
