/**
 * The panel's default look: every rule under `.spd`, colours from the page's `color-scheme`
 * (`Canvas`, `CanvasText`), so it reads in light and dark pages alike. `unstyled` leaves it out.
 */
export const PANEL_CSS = `
.spd { font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: CanvasText; background: Canvas; border: 1px solid color-mix(in srgb, CanvasText 20%, transparent); border-radius: 8px; padding: 0.4rem 0.8rem; overflow-wrap: anywhere; max-height: 50vh; overflow: auto; }
.spd summary { cursor: pointer; min-height: 32px; box-sizing: border-box; padding: 0.45rem 0; }
.spd h3 { font-size: 12px; margin: 0.6rem 0 0.2rem; }
.spd ol, .spd ul { margin: 0.2rem 0; padding-left: 1.2rem; }
.spd li { margin-bottom: 0.25rem; }
.spd .spd-muted { opacity: 0.7; }
.spd .spd-skip { color: #b45309; }
.spd .spd-fail { color: #b91c1c; }
.spd .spd-ok { color: #15803d; }
.spd .spd-state-connected { color: #15803d; }
.spd .spd-state-reconnecting, .spd .spd-state-connecting { color: #b45309; }
.spd .spd-state-disconnected { color: #b91c1c; }
`
