/**
 * bench:e2e-browser's stamps inside the pages, installed with `page.addInitScript` before the app's
 * own scripts run. Every stamp is `performance.timeOrigin + performance.now()`: wall-clock
 * milliseconds with sub-millisecond resolution, comparable between the browser contexts (one
 * browser, one machine clock) and with the server process's stamps taken the same way.
 *
 * On every tablet (the tablets that change orders):
 * - `taps`: each click on a menu item's "Add" button (a tap ends in one), in the capture phase,
 *   before the app's handler runs;
 * - `posts`: each `POST /orders/{id}/items` the app sends: the item id from its body, the tap it
 *   came from (taps and POSTs pair up in order), when `fetch` was called and when the response body
 *   had been read (the app reads it with `text()`).
 *
 * On the observed tablet (`watchOrderId` set), also:
 * - `frames`: when each broadcast with a `payload.item_id` reached the page (a listener added in the
 *   WebSocket's constructor, so it runs before the app's `onmessage`);
 * - `gets`: each `GET /orders/{watchOrderId}`: when `fetch` was called, when its body had been read,
 *   and the item ids in it (parsed when the page is idle, so the probe does not delay the render);
 * - `renders`: each change of the ticket (`[data-testid=ticket-items]`) as a MutationObserver sees
 *   it (a microtask after React committed it to the DOM), and the next `requestAnimationFrame`
 *   callback after it: the start of the frame that paints it.
 */

export interface PostStamp {
  itemId: string
  orderId: string
  tap: number | null
  start: number
  end: number | null
  status: number | null
}
export interface GetStamp {
  start: number
  end: number
  itemIds: string[] | null
}
export interface RenderStamp {
  dom: number
  paint: number | null
}
export interface PageStamps {
  taps: number[]
  posts: PostStamp[]
  /** [item id, when] */
  frames: [string, number][]
  gets: GetStamp[]
  renders: RenderStamp[]
}

/** Runs in the page (serialised by Playwright): self-contained, no imports. */
function installProbes(options: { watchOrderId: string | null }): void {
  const now = () => performance.timeOrigin + performance.now()
  const stamps: PageStamps = { taps: [], posts: [], frames: [], gets: [], renders: [] }
  ;(window as unknown as { __e2eStamps: PageStamps }).__e2eStamps = stamps
  const unpairedTaps: number[] = []

  document.addEventListener(
    'click',
    (event) => {
      const target = event.target as Element | null
      if (!target?.closest?.('button[aria-label^="Add "]')) return
      const at = now()
      stamps.taps.push(at)
      unpairedTaps.push(at)
    },
    { capture: true },
  )

  const watchPath = options.watchOrderId === null ? null : `/orders/${options.watchOrderId}`
  const pendingParse: { stamp: GetStamp; text: string }[] = []
  const parseWhenIdle = () => {
    for (const { stamp, text } of pendingParse.splice(0)) {
      try {
        const order = JSON.parse(text) as { items?: { id: string }[] }
        stamp.itemIds = (order.items ?? []).map((item) => item.id)
      } catch {
        stamp.itemIds = []
      }
    }
  }

  const originalFetch = window.fetch.bind(window)
  window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      location.href,
    )
    const method = (init?.method ?? 'GET').toUpperCase()
    const start = now()
    const itemPost = method === 'POST' && /^\/orders\/([^/]+)\/items$/.exec(url.pathname)
    if (itemPost) {
      let itemId = ''
      try {
        itemId = (JSON.parse(String(init?.body)) as { id?: string }).id ?? ''
      } catch {}
      const post: PostStamp = {
        itemId,
        orderId: itemPost[1] as string,
        tap: unpairedTaps.shift() ?? null,
        start,
        end: null,
        status: null,
      }
      stamps.posts.push(post)
      const response = await originalFetch(input, init)
      post.status = response.status
      const text = response.text.bind(response)
      response.text = async () => {
        const body = await text()
        post.end = now()
        return body
      }
      return response
    }
    if (method === 'GET' && watchPath !== null && url.pathname === watchPath && url.search === '') {
      const response = await originalFetch(input, init)
      const text = response.text.bind(response)
      response.text = async () => {
        const body = await text()
        const stamp: GetStamp = { start, end: now(), itemIds: null }
        stamps.gets.push(stamp)
        pendingParse.push({ stamp, text: body })
        requestIdleCallback(parseWhenIdle, { timeout: 2000 })
        return body
      }
      return response
    }
    return originalFetch(input, init)
  }

  if (watchPath === null) return

  const NativeWebSocket = window.WebSocket
  window.WebSocket = class extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      this.addEventListener('message', (event: MessageEvent) => {
        const at = now()
        if (typeof event.data !== 'string' || !event.data.includes('"item_id"')) return
        try {
          const frame = JSON.parse(event.data) as { payload?: { item_id?: unknown } }
          const itemId = frame.payload?.item_id
          if (typeof itemId === 'string') stamps.frames.push([itemId, at])
        } catch {}
      })
    }
  }

  const inTicket = (node: Node | null) => {
    const element = node instanceof Element ? node : (node?.parentElement ?? null)
    return element?.closest('[data-testid="ticket-items"]') != null
  }
  const observer = new MutationObserver((records) => {
    if (!records.some((record) => inTicket(record.target))) return
    const render: RenderStamp = { dom: now(), paint: null }
    stamps.renders.push(render)
    requestAnimationFrame(() => {
      render.paint = now()
    })
  })
  const observe = () =>
    observer.observe(document.body, { subtree: true, childList: true, characterData: true })
  if (document.body) observe()
  else document.addEventListener('DOMContentLoaded', observe, { once: true })
}

/**
 * The init script for a page. tsx compiles this file with esbuild's keepNames, which wraps named
 * functions in `__name(...)` calls that do not exist in the page: the script brings a no-op one.
 */
export function probesScript(watchOrderId: string | null): string {
  return `(() => { const __name = (target) => target; (${installProbes.toString()})(${JSON.stringify({ watchOrderId })}) })()`
}

/** What the page stamped (a `page.evaluate` expression, so no function is serialised). */
export const READ_STAMPS = 'window.__e2eStamps'
