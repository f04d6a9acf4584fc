import { isObject, type Json, resolvePointer } from '../schema-utils.js'

/** A reference to a whole component (`#/components/schemas/Order`), which openapi-typescript types well. */
const wholeComponent = /^#\/components\/[^/]+\/[^/]+$/

/**
 * openapi-typescript types a `$ref` into a schema's inside as an indexed access along the pointer,
 * which its types do not always have: into a path
 * (`#/paths/~1a/get/responses/200/content/application~1json/schema/items/time`, what converters and
 * bundlers write for a schema used twice) it keeps the `schema` and `properties` steps, and into a
 * component's `allOf` member (`#/components/schemas/Monster/allOf/3`) the `allOf` step, so `tsc`
 * fails ("Property 'schema' does not exist"). Such a reference is replaced, in the copy the types
 * step works on, by what it points at: the component it leads to, or a copy of the inline schema
 * (whose own such references are replaced in turn; one that leads back into itself is left as it was).
 */
export function inlineDeepRefs(document: Json): void {
  const visit = (node: unknown, active: ReadonlySet<string>): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, active)
      return
    }
    if (!isObject(node)) return
    const ref = node.$ref
    if (isDeepRef(ref) && !active.has(ref)) {
      const target = resolvePointer(document, ref)
      if (isObject(target) && typeof target.$ref === 'string' && !isDeepRef(target.$ref)) {
        node.$ref = target.$ref
      } else if (isObject(target)) {
        delete node.$ref
        Object.assign(node, structuredClone(target))
        visit(node, new Set([...active, ref]))
        return
      }
    }
    for (const value of Object.values(node)) visit(value, active)
  }
  visit(document, new Set())
}

function isDeepRef(ref: unknown): ref is string {
  return typeof ref === 'string' && ref.startsWith('#/') && !wholeComponent.test(ref)
}
