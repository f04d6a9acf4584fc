import { CHANNEL_NAME_PATTERN, DEFAULT_LIMITS } from './constants.js'

/**
 * Why `name` is not a valid channel name, or `null` when it is. The reason names the problem so it
 * can go straight into an error frame or an exception.
 */
export function channelNameProblem(
  name: unknown,
  maxLength: number = DEFAULT_LIMITS.maxChannelNameLength,
): string | null {
  if (typeof name !== 'string') return `channel must be a string, got ${describeType(name)}`
  if (name.length === 0) return 'channel must not be empty'
  if (name.length > maxLength) return `channel is ${name.length} characters long; the limit is ${maxLength}`
  if (!CHANNEL_NAME_PATTERN.test(name)) {
    return `channel ${JSON.stringify(name)} may only use letters, digits and _ . : -`
  }
  return null
}

/** Throws a TypeError naming the problem when `name` is not a valid channel name. */
export function assertChannelName(name: unknown, maxLength?: number): asserts name is string {
  const problem = channelNameProblem(name, maxLength)
  if (problem) throw new TypeError(problem)
}

/** `null`, `array`, or `typeof value`: for messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}
