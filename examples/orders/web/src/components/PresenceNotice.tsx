import type { PresenceMember } from '@pattern-stack/sync-patterns/runtime'

const nameOf = (member: PresenceMember) => member.user ?? member.label ?? 'Another tablet'

function list(names: string[]): string {
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`
}

/**
 * Who else has this order open: "Tablet B is editing this order" (before anyone runs into a 409),
 * or, when nobody else edits, "Also open on Tablet B". Nothing when this tablet is alone.
 */
export function PresenceNotice({ others }: { others: PresenceMember[] }) {
  const editors = others.filter((member) => member.state === 'editing').map(nameOf)
  const viewers = others.filter((member) => member.state === 'viewing').map(nameOf)
  if (editors.length > 0) {
    return (
      <p className="presence presence-editing" role="status" data-testid="presence">
        {list(editors)} {editors.length === 1 ? 'is' : 'are'} editing this order
      </p>
    )
  }
  if (viewers.length > 0) {
    return (
      <p className="presence" role="status" data-testid="presence">
        Also open on {list(viewers)}
      </p>
    )
  }
  return null
}
