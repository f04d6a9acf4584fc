import { formatCents } from '../format.js'
import type { MenuItem } from '../generated/index.js'

/** The menu as big tap targets, grouped by category. Tapping (or Enter/Space) calls `onSelect`. */
export function MenuGrid({
  menu,
  onSelect,
  disabled,
  describedBy,
}: {
  menu: readonly MenuItem[]
  onSelect: (item: MenuItem) => void
  disabled?: boolean
  /** The id of the element saying why the menu is disabled. */
  describedBy?: string
}) {
  const categories = [...new Set(menu.map((item) => item.category))]
  return (
    <div className="menu">
      {categories.map((category) => (
        <fieldset key={category} className="menu-category">
          <legend>{category}</legend>
          <div className="menu-grid">
            {menu
              .filter((item) => item.category === category)
              .map((item) => (
                <button
                  key={item.id}
                  type="button"
                  className="menu-item"
                  aria-label={`Add ${item.name}`}
                  disabled={disabled}
                  aria-describedby={describedBy}
                  onClick={() => onSelect(item)}
                >
                  <span className="menu-item-name">{item.name}</span>
                  <span className="menu-item-price">{formatCents(item.price)}</span>
                </button>
              ))}
          </div>
        </fieldset>
      ))}
    </div>
  )
}
