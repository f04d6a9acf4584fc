/** A state change the entity's EventPattern does not allow. Names from, to and what is allowed. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError'
  readonly entity: string
  readonly from: string
  readonly to: string
  readonly allowed: readonly string[]

  constructor(entity: string, from: string, to: string, allowed: readonly string[]) {
    const options =
      allowed.length === 0 ? `"${from}" is final` : `allowed from "${from}": ${allowed.join(', ')}`
    super(`${entity} cannot go from "${from}" to "${to}"; ${options}`)
    this.entity = entity
    this.from = from
    this.to = to
    this.allowed = allowed
  }
}
