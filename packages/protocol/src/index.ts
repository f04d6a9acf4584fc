export { type BackoffOptions, backoffDelay } from './backoff.js'
export * from './channel.js'
export * from './constants.js'
export * from './decode.js'
export * from './encode.js'
export { entityVersionOf, entityVersionProblem } from './entity-version.js'
export {
  entityIdProblem,
  eventFrameProblem,
  MAX_EVENT_NAME_LENGTH,
  MAX_ORIGIN_LENGTH,
  positionProblem,
} from './event-frame.js'
export type * from './frames.js'
export * from './guards.js'
export type { Logger } from './logger.js'
export {
  decodePresence,
  MAX_PRESENCE_LABEL_LENGTH,
  PRESENCE_STATES,
  type PresenceState,
  presenceMembersOf,
} from './presence.js'
export * from './restart.js'
