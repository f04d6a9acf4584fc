import { isObject, type Json, resolvePointer, walkObjects } from '../schema-utils.js'

/**
 * openapi-typescript types a `$ref` into a path (`#/paths/~1a/get/responses/200/content/application~1json/schema/items/time`,
 * what converters and bundlers write for a schema used twice) as an indexed access that keeps the
 * `schema` and `properties` steps, which its own `paths` type does not have, so `tsc` fails
 * ("Property 'schema' does not exist"). Such a reference is replaced, in the copy the types step
 * works on, by what it points at: the component it leads to through other references, or a copy of
 * the inline schema when that has no further reference into a path (a cycle through paths is left
 * as it was). References to components are untouched.
 */
export function inlinePathRefs(document: Json): void {
  walkObjects([document], (node) => {
    if (typeof node.$ref !== 'string' || !node.$ref.startsWith('#/paths/')) return
    let ref: string = node.$ref
    let target = resolvePointer(document, ref)
    const seen = new Set<string>([ref])
    while (isObject(target) && typeof target.$ref === 'string' && Object.keys(target).length === 1) {
      ref = target.$ref
      if (seen.has(ref)) return
      seen.add(ref)
      if (!ref.startsWith('#/paths/')) {
        node.$ref = ref
        return
      }
      target = resolvePointer(document, ref)
    }
    if (!isObject(target) || reachesIntoPaths(target)) return
    delete node.$ref
    Object.assign(node, structuredClone(target))
  })
}

function reachesIntoPaths(schema: Json): boolean {
  let found = false
  walkObjects([schema], (node) => {
    found = typeof node.$ref === 'string' && node.$ref.startsWith('#/paths/')
    return found
  })
  return found
}
