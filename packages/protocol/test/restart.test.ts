import { describe, expect, it } from 'vitest'
import {
  DEFAULT_RESTART_WINDOW_MS,
  encodeRestartReason,
  MAX_RESTART_WINDOW_MS,
  MIN_RESTART_WINDOW_MS,
  parseRestartReason,
} from '../src/index.js'

describe('the restart close reason', () => {
  it('round-trips a window and fits a close reason', () => {
    const reason = encodeRestartReason(2500)
    expect(reason).toBe('{"reconnect_window_ms":2500}')
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123)
    expect(parseRestartReason(reason)).toBe(2500)
  })

  it('clamps windows a wrong server names', () => {
    expect(parseRestartReason('{"reconnect_window_ms":1}')).toBe(MIN_RESTART_WINDOW_MS)
    expect(parseRestartReason('{"reconnect_window_ms":3600000}')).toBe(MAX_RESTART_WINDOW_MS)
    expect(encodeRestartReason(1e9)).toBe(`{"reconnect_window_ms":${MAX_RESTART_WINDOW_MS}}`)
  })

  it('falls back to the default window for an empty or unreadable reason', () => {
    for (const reason of [
      '',
      'server restarting',
      'null',
      '{"reconnect_window_ms":"2s"}',
      '{"reconnect_window_ms":-5}',
      '[]',
    ]) {
      expect(parseRestartReason(reason)).toBe(DEFAULT_RESTART_WINDOW_MS)
    }
  })

  it('refuses to encode a window that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => encodeRestartReason(bad)).toThrow(/positive number of ms/)
    }
  })
})
