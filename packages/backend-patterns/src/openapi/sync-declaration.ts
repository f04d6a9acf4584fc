import { channelNameProblem, eventFrameProblem } from '@pattern-stack/sync-protocol'

/** The path-level `x-sync` object of spec §1.3, keys exactly as the spec writes them. */
export interface XSyncExtension {
  local_first: boolean
  broadcast: { channel: string; events: string[] }
  /**
   * Our addition: the entity's optimistic-locking version property when it is not `version` (the
   * generator takes a numeric `version` by default), so generated hooks skip refetching data already
   * at a broadcast's `entity_version`. A spec-only generator ignores it.
   */
  version_field?: string
}

/** A broadcast the route did not declare in its x-sync. */
export class UndeclaredBroadcastError extends Error {
  override readonly name = 'UndeclaredBroadcastError'
}

/**
 * One route's sync declaration: the single source of both the OpenAPI `x-sync` extension and the
 * broadcasts the route may send at run time, so the document and the behaviour cannot disagree.
 */
export class SyncDeclaration {
  readonly localFirst: boolean
  readonly channel: string
  readonly events: readonly string[]
  readonly versionField: string | undefined

  constructor(options: {
    channel: string
    events: readonly string[]
    localFirst?: boolean
    versionField?: string
  }) {
    const problem = channelNameProblem(options.channel)
    if (problem) throw new TypeError(`x-sync: ${problem}`)
    if (!Array.isArray(options.events) || options.events.length === 0) {
      throw new TypeError(`x-sync for channel "${options.channel}": events must be a non-empty array`)
    }
    for (const event of options.events) {
      if (typeof event !== 'string' || !/^[a-z][a-z0-9_]*$/.test(event)) {
        throw new TypeError(
          `x-sync for channel "${options.channel}": event ${JSON.stringify(event)} must be snake_case`,
        )
      }
      // Whatever the encoder would refuse after commit (an over-long name) is refused here.
      const problem = eventFrameProblem(options.channel, event)
      if (problem) throw new TypeError(`x-sync for channel "${options.channel}": ${problem}`)
    }
    if (new Set(options.events).size !== options.events.length) {
      throw new TypeError(`x-sync for channel "${options.channel}": events repeat a name`)
    }
    if (
      options.versionField !== undefined &&
      (typeof options.versionField !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.versionField))
    ) {
      throw new TypeError(
        `x-sync for channel "${options.channel}": versionField ${JSON.stringify(options.versionField)} must be a property name`,
      )
    }
    this.versionField = options.versionField
    this.localFirst = options.localFirst ?? true
    this.channel = options.channel
    this.events = Object.freeze([...options.events])
  }

  allows(channel: string, event: string): boolean {
    return channel === this.channel && this.events.includes(event)
  }

  /** Throws UndeclaredBroadcastError unless this declaration names `event` on `channel`. */
  assertAllows(channel: string, event: string): void {
    if (channel !== this.channel) {
      throw new UndeclaredBroadcastError(
        `broadcast on channel "${channel}" is not declared: this route's x-sync channel is "${this.channel}"`,
      )
    }
    if (!this.events.includes(event)) {
      throw new UndeclaredBroadcastError(
        `broadcast event "${event}" on "${channel}" is not declared: x-sync events are ${this.events.join(', ')}`,
      )
    }
  }

  /** The `x-sync` value for the OpenAPI path item. */
  toExtension(): XSyncExtension {
    const extension: XSyncExtension = {
      local_first: this.localFirst,
      broadcast: { channel: this.channel, events: [...this.events] },
    }
    if (this.versionField !== undefined) extension.version_field = this.versionField
    return extension
  }
}

/**
 * `declareSync({ channel: 'order', events: ['created', 'updated', ...] })`; `localFirst` defaults to
 * true; `versionField` names the entity's version property when it is not `version`.
 */
export function declareSync(options: {
  channel: string
  events: readonly string[]
  localFirst?: boolean
  versionField?: string
}): SyncDeclaration {
  return new SyncDeclaration(options)
}

/** The allowance of a route without x-sync: every broadcast throws. */
export const NO_SYNC = Object.freeze({
  assertAllows(channel: string, event: string): void {
    throw new UndeclaredBroadcastError(
      `broadcast ${channel}/${event} from a route without x-sync: declare it in the route's config.xSync`,
    )
  },
})
