export {
  clockTime,
  describeChange,
  describeQuery,
  formatKey,
  formatMs,
  RESYNC_REASONS,
  SKIP_REASONS,
} from './describe.js'
export {
  type ConnectionEntry,
  createInspectLog,
  type InspectLog,
  type InspectLogOptions,
  type InspectLogSnapshot,
  type InvalidatedQuery,
  isSkipped,
  type OptimisticEntry,
  type SignalEntry,
  type SubscriptionOutcome,
} from './inspect-log.js'
export { PANEL_CSS } from './panel-styles.js'
export { SyncDevtoolsPanel, type SyncDevtoolsPanelProps } from './sync-devtools-panel.js'
export { type SyncDevtoolsPlugin, syncDevtoolsPlugin } from './tanstack-devtools-plugin.js'
