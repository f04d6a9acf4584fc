import { useSyncExternalStore } from 'react'

/**
 * This tablet's name ("Tablet B"), shown to the other tablets that open the same order (presence).
 * Kept in localStorage, so it survives reloads; until someone names the tablet it is "Tablet" and
 * two random characters. One store for the whole page: the name field and every screen see a rename.
 */
const KEY = 'orders.tablet-name'
/** The protocol's label limit (MAX_PRESENCE_LABEL_LENGTH). */
export const MAX_TABLET_NAME_LENGTH = 64

const listeners = new Set<() => void>()
let current: string | null = null

function defaultName(): string {
  const chars = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  const pick = () => chars[Math.floor(Math.random() * chars.length)]
  return `Tablet ${pick()}${pick()}`
}

function read(): string {
  if (current !== null) return current
  let stored: string | null = null
  try {
    stored = window.localStorage.getItem(KEY)
  } catch {
    // Storage may be off (private mode): the name lives for this page only.
  }
  current = stored?.trim() || defaultName()
  if (!stored) write(current)
  return current
}

function write(name: string): void {
  try {
    window.localStorage.setItem(KEY, name)
  } catch {
    // See read().
  }
}

export function setTabletName(name: string): void {
  current = name.slice(0, MAX_TABLET_NAME_LENGTH)
  write(current)
  for (const listener of listeners) listener()
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** This tablet's name as typed (may be blank while being edited). */
export function useTabletName(): string {
  return useSyncExternalStore(subscribe, read)
}

/** The name to show others: trimmed, or `undefined` when blank. */
export function presenceLabel(name: string): string | undefined {
  const trimmed = name.trim()
  return trimmed === '' ? undefined : trimmed
}
