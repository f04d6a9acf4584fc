import type {
  ErrorFrame,
  EventFrame,
  PongFrame,
  PresenceMembersFrame,
  RecoveredFrame,
  ResyncFrame,
  ServerFrame,
  SubscribedFrame,
  UnsubscribedFrame,
  WelcomeFrame,
} from './frames.js'

// Narrowing helpers for decoded server frames.
export const isEventFrame = (f: ServerFrame): f is EventFrame => 'channel' in f && 'event' in f
export const isWelcomeFrame = (f: ServerFrame): f is WelcomeFrame => 'welcome' in f
export const isSubscribedFrame = (f: ServerFrame): f is SubscribedFrame => 'subscribed' in f
export const isUnsubscribedFrame = (f: ServerFrame): f is UnsubscribedFrame => 'unsubscribed' in f
export const isErrorFrame = (f: ServerFrame): f is ErrorFrame => 'error' in f
export const isResyncFrame = (f: ServerFrame): f is ResyncFrame => 'resync' in f
export const isPongFrame = (f: ServerFrame): f is PongFrame => 'pong' in f
export const isRecoveredFrame = (f: ServerFrame): f is RecoveredFrame => 'recovered' in f
export const isPresenceMembersFrame = (f: ServerFrame): f is PresenceMembersFrame => 'presence' in f
