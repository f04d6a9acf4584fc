import { MAX_TABLET_NAME_LENGTH, setTabletName, useTabletName } from '../tabletName.js'

/** "This tablet: [Tablet B]": the name other tablets see when this one opens the same order. */
export function TabletNameField() {
  const name = useTabletName()
  return (
    <label className="tablet-name">
      <span className="muted">This tablet</span>
      <input
        value={name}
        maxLength={MAX_TABLET_NAME_LENGTH}
        onChange={(event) => setTabletName(event.target.value)}
        autoComplete="off"
      />
    </label>
  )
}
