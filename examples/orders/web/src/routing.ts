import { useEffect, useState } from 'react'

/** The app's screens. Hash routes keep the app a static bundle the API server can serve as is. */
export type Route =
  | { view: 'orders' }
  | { view: 'kitchen' }
  | { view: 'entry'; orderId: string }
  | { view: 'edit'; orderId: string }

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent)
  if (parts[0] === 'kitchen') return { view: 'kitchen' }
  if (parts[0] === 'orders' && parts[1]) {
    return parts[2] === 'edit' ? { view: 'edit', orderId: parts[1] } : { view: 'entry', orderId: parts[1] }
  }
  return { view: 'orders' }
}

export function hrefFor(route: Route): string {
  switch (route.view) {
    case 'orders':
      return '#/orders'
    case 'kitchen':
      return '#/kitchen'
    case 'entry':
      return `#/orders/${encodeURIComponent(route.orderId)}`
    case 'edit':
      return `#/orders/${encodeURIComponent(route.orderId)}/edit`
  }
}

export function navigate(route: Route): void {
  window.location.hash = hrefFor(route)
}

/** The current route, following `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash))
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash))
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return route
}
