import { useEffect, useRef, useState } from 'react'
import {
  PresenceClient,
  type PresenceHandle,
  type PresenceMember,
  type PresenceOptions,
  presenceChannel,
} from '../core/presence-client.js'
import { useBroadcast } from './use-broadcast.js'

export interface UsePresenceOptions extends PresenceOptions {
  /** `false`: not present (and nobody is listed); default `true`. */
  enabled?: boolean
}

const NOBODY: PresenceMember[] = []

/**
 * Who else is viewing or editing `entity` `id` (docs/protocol.md "Presence"), and this component's
 * own presence on it while mounted: `state` (default `'viewing'`) and an anonymous `label` such as
 * "Tablet B". Returns the others (never this client), `[]` while disconnected, with a server that
 * does not support presence, or for an `id` of `null`/`undefined`.
 *
 * @example const others = usePresence('order', orderId, { state: editing ? 'editing' : 'viewing', label })
 */
export function usePresence(
  entity: string,
  id: string | number | null | undefined,
  { enabled = true, state = 'viewing', label }: UsePresenceOptions = {},
): PresenceMember[] {
  const { client } = useBroadcast()
  const [members, setMembers] = useState<PresenceMember[]>(NOBODY)
  const handle = useRef<PresenceHandle | null>(null)
  const latest = useRef<PresenceOptions>({ state, label })
  latest.current = { state, label }
  const channel = id === null || id === undefined ? null : presenceChannel(entity, id)

  useEffect(() => {
    if (!enabled || channel === null) return
    const joined = PresenceClient.of(client).join(channel, latest.current, setMembers)
    handle.current = joined
    return () => {
      joined.leave()
      if (handle.current === joined) handle.current = null
      setMembers(NOBODY)
    }
  }, [client, channel, enabled])

  useEffect(() => {
    handle.current?.update({ state, label })
  }, [state, label])

  return members
}
