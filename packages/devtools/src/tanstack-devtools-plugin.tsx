import type { ReactElement } from 'react'
import { SyncDevtoolsPanel, type SyncDevtoolsPanelProps } from './sync-devtools-panel.js'

/**
 * A plugin of TanStack Devtools (`@tanstack/react-devtools`), whose `plugins` prop takes
 * `{ id, name, render }` with `render` a React element; TanStack Query's own panel is one such
 * plugin. Written structurally, so this package does not depend on the (pre-1.0) shell.
 */
export interface SyncDevtoolsPlugin {
  id: string
  name: string
  render: ReactElement
}

/**
 * The panel as a TanStack Devtools plugin, beside TanStack Query's:
 * `<TanStackDevtools plugins={[{ name: 'TanStack Query', render: <ReactQueryDevtoolsPanel /> },
 * syncDevtoolsPlugin()]} />`. The shell renders plugins in the app's React tree, so the panel finds
 * the QueryClient and the broadcast client from the providers, or from `props`.
 */
export function syncDevtoolsPlugin(props: SyncDevtoolsPanelProps = {}): SyncDevtoolsPlugin {
  return {
    id: 'sync-patterns',
    name: 'sync-patterns',
    render: <SyncDevtoolsPanel collapsible={false} {...props} />,
  }
}
