import { IllegalTransitionError } from './illegal-transition-error.js'
import type { UnitOfWorkContext } from './unit-of-work.js'

export interface EventPatternDefinition<S extends string> {
  /** Entity type, as SystemEvents record it (e.g. `order`). */
  entity: string
  /** Broadcast channel of the entity; defaults to `entity`. */
  channel?: string
  /** Event name of a state change; defaults to the spec's `status_changed`. */
  event?: string
  states: readonly S[]
  initial: S
  /** For every state, the states it may move to. A state with `[]` is final. */
  transitions: { readonly [K in S]: readonly S[] }
}

/**
 * An entity's state machine (the spec's EventPattern). `transitionTo` refuses an illegal change,
 * persists a legal one, logs a SystemEvent and queues the broadcast, all in the caller's unit of work.
 */
export class EventPattern<S extends string> {
  readonly entity: string
  readonly channel: string
  readonly event: string
  readonly states: readonly S[]
  readonly initial: S
  readonly #transitions: ReadonlyMap<S, readonly S[]>

  constructor(definition: EventPatternDefinition<S>) {
    const states = new Set(definition.states)
    if (!states.has(definition.initial)) {
      throw new TypeError(
        `${definition.entity}: initial state "${definition.initial}" is not one of the states`,
      )
    }
    const transitions = new Map<S, readonly S[]>()
    for (const state of definition.states) {
      const targets = definition.transitions[state]
      if (!targets) throw new TypeError(`${definition.entity}: no transitions declared for state "${state}"`)
      for (const target of targets) {
        if (!states.has(target)) {
          throw new TypeError(`${definition.entity}: "${state}" → "${target}" names an unknown state`)
        }
      }
      transitions.set(state, Object.freeze([...targets]))
    }
    this.entity = definition.entity
    this.channel = definition.channel ?? definition.entity
    this.event = definition.event ?? 'status_changed'
    this.states = Object.freeze([...definition.states])
    this.initial = definition.initial
    this.#transitions = transitions
  }

  isState(value: unknown): value is S {
    return typeof value === 'string' && this.#transitions.has(value as S)
  }

  /** States reachable from `from` in one step. */
  allowedFrom(from: S): readonly S[] {
    return this.#transitions.get(from) ?? []
  }

  canTransition(from: S, to: S): boolean {
    return this.allowedFrom(from).includes(to)
  }

  /** Throws IllegalTransitionError (naming from, to and the allowed targets) unless `from → to` is allowed. */
  assertTransition(from: string, to: string): asserts to is S {
    if (!this.isState(from)) throw new TypeError(`${this.entity}: unknown state "${from}"`)
    if (!this.isState(to)) {
      throw new IllegalTransitionError(this.entity, from, to, this.allowedFrom(from))
    }
    if (!this.canTransition(from, to))
      throw new IllegalTransitionError(this.entity, from, to, this.allowedFrom(from))
  }

  /**
   * Moves an entity from `from` to `to` inside `ctx`'s transaction: checks the transition, runs
   * `persist` (the caller's write), records a SystemEvent and queues the broadcast
   * `{entity_id, from, to}` that goes out after commit, with `entity_version` when `version` (the
   * entity's version after the change) is given.
   */
  async transitionTo<TTx>(
    ctx: UnitOfWorkContext<TTx>,
    change: {
      entityId: string | number
      from: string
      to: string
      persist: (tx: TTx, to: S) => Promise<void>
      version?: number
    },
  ): Promise<S> {
    const { entityId, from, to, version } = change
    this.assertTransition(from, to)
    await change.persist(ctx.tx, to)
    await ctx.emit({
      channel: this.channel,
      entityType: this.entity,
      entityId,
      eventType: this.event,
      payload: { from, to },
      ...(version === undefined ? {} : { version }),
    })
    return to
  }
}

export function defineEventPattern<const S extends string>(
  definition: EventPatternDefinition<S>,
): EventPattern<S> {
  return new EventPattern(definition)
}
