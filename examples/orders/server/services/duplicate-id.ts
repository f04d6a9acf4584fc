import { ProblemError } from '../problem.js'
import { isUniqueViolation } from './unit-of-work.js'

/** 409 for a client-supplied id that is already taken (client-generated ids must be unique). */
export function refuseDuplicateId(entity: string, id: string) {
  return new ProblemError(409, 'duplicate-id', `${entity} ${id} already exists`, {
    errors: [{ field: 'id', in: 'body', message: 'is already taken' }],
  })
}

/** Runs an insert; a unique violation on a client-supplied id becomes 409 (the pre-check can lose a race). */
export async function insertOrDuplicate<T>(
  entity: string,
  id: string | undefined,
  insert: () => Promise<T>,
): Promise<T> {
  try {
    return await insert()
  } catch (error) {
    if (id !== undefined && isUniqueViolation(error)) throw refuseDuplicateId(entity, id)
    throw error
  }
}
