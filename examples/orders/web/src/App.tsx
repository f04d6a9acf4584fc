import { SyncDevtoolsPanel } from '@pattern-stack/sync-patterns-devtools'
import { ConnectionBanner } from './components/ConnectionBanner.js'
import { KitchenDisplay } from './components/KitchenDisplay.js'
import { OrderEdit } from './components/OrderEdit.js'
import { OrderEntry } from './components/OrderEntry.js'
import { OrdersList } from './components/OrdersList.js'
import { TabletNameField } from './components/TabletNameField.js'
import { hrefFor, type Route, useRoute } from './routing.js'

const TABS: { label: string; route: Route }[] = [
  { label: 'Orders', route: { view: 'orders' } },
  { label: 'Kitchen', route: { view: 'kitchen' } },
]

export function App() {
  const route = useRoute()
  return (
    <div className="app">
      <header className="topbar">
        <h1>Orders</h1>
        <nav aria-label="Screens">
          {TABS.map((tab) => {
            const current =
              tab.route.view === route.view ||
              (tab.route.view === 'orders' && (route.view === 'entry' || route.view === 'edit'))
            return (
              <a key={tab.label} href={hrefFor(tab.route)} aria-current={current ? 'page' : undefined}>
                {tab.label}
              </a>
            )
          })}
        </nav>
        <TabletNameField />
      </header>
      <ConnectionBanner />
      <main>
        {route.view === 'orders' && <OrdersList />}
        {route.view === 'kitchen' && <KitchenDisplay />}
        {route.view === 'entry' && <OrderEntry key={route.orderId} orderId={route.orderId} />}
        {route.view === 'edit' && <OrderEdit key={route.orderId} orderId={route.orderId} />}
      </main>
      {/* The developer's view of the sync machinery, below the screen so it never covers it. */}
      <SyncDevtoolsPanel className="devtools-panel" />
    </div>
  )
}
