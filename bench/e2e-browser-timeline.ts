import type { GetStamp, PageStamps, PostStamp, RenderStamp } from './e2e-browser-probes.js'

/**
 * One change to the watched order, from the tap on a changing tablet to the frame that paints it on
 * the observed tablet B. All times are wall-clock ms (`performance.timeOrigin + performance.now()`
 * in the pages and in the server process).
 */
export interface ChangeTimeline {
  itemId: string
  /** The click of the tap on tablet A. */
  tap: number
  /** A's `fetch` of `POST /orders/{id}/items` called, and its body read. */
  postStart: number
  postEnd: number
  /** The server's after-commit dispatch ran (the transaction had committed). */
  commit: number
  /** The broadcast reached B's page. */
  frame: number
  /** The first of B's `GET /orders/{id}` whose body has the item: called, body read. */
  getStart: number
  getEnd: number
  /** The ticket changed in B's DOM (MutationObserver), and the next animation frame began. */
  dom: number
  paint: number
  /** Ms since the previous broadcast on the same order reached B (the scheduler's "busy" input). */
  sincePreviousFrame: number
}

export interface TimelineResult {
  changes: ChangeTimeline[]
  /** Changes on the watched order whose chain could not be followed to the end, by the missing link. */
  incomplete: Record<string, number>
  /** Commits stamped outside their POST's [start, end] in the page: a clock check, should be 0. */
  commitOutsidePost: number
  /** B's GETs of the watched order per change (both counted after the warm-up). */
  getsPerChange: number
}

/**
 * Joins the stamps: A's POSTs (item id) → the server's commit (item id) → B's frame (item id) → B's
 * first GET whose body has the item → the first ticket change in B's DOM after that GET's body was
 * read (React renders the cache's latest data, so that change shows at least this GET's data) →
 * its animation frame. Only changes to `watchedOrderId` committed at or after `from` count.
 */
export function buildTimelines(options: {
  watchedOrderId: string
  changers: PageStamps[]
  observer: PageStamps
  commits: ReadonlyMap<string, number>
  from: number
}): TimelineResult {
  const { watchedOrderId, observer, commits, from } = options
  const posts: PostStamp[] = options.changers
    .flatMap((stamps) => stamps.posts)
    .filter((post) => post.orderId === watchedOrderId && post.status === 201)
  const watchedItems = new Set(posts.map((post) => post.itemId))
  const frames = new Map<string, number>()
  const watchedFrameTimes: number[] = []
  for (const [itemId, at] of observer.frames) {
    if (frames.has(itemId)) continue
    frames.set(itemId, at)
    if (watchedItems.has(itemId)) watchedFrameTimes.push(at)
  }
  watchedFrameTimes.sort((a, b) => a - b)
  const gets = [...observer.gets].sort((a, b) => a.end - b.end)
  const firstGetWith = new Map<string, GetStamp>()
  for (const get of gets) {
    for (const itemId of get.itemIds ?? []) if (!firstGetWith.has(itemId)) firstGetWith.set(itemId, get)
  }
  const renders: RenderStamp[] = [...observer.renders].sort((a, b) => a.dom - b.dom)
  const firstRenderAfter = (at: number) => renders.find((render) => render.dom >= at)

  const incomplete: Record<string, number> = {}
  const miss = (link: string) => {
    incomplete[link] = (incomplete[link] ?? 0) + 1
  }
  const changes: ChangeTimeline[] = []
  let commitOutsidePost = 0
  for (const post of posts) {
    const commit = commits.get(post.itemId)
    if (commit === undefined) {
      miss('commit')
      continue
    }
    if (commit < from) continue
    if (post.tap === null || post.end === null) {
      miss('tap or POST end')
      continue
    }
    if (commit < post.start || commit > post.end) commitOutsidePost += 1
    const frame = frames.get(post.itemId)
    if (frame === undefined) {
      miss('frame on B')
      continue
    }
    const get = firstGetWith.get(post.itemId)
    if (!get) {
      miss("B's GET")
      continue
    }
    const render = firstRenderAfter(get.end)
    if (!render || render.paint === null) {
      miss('render on B')
      continue
    }
    const previousFrame = watchedFrameTimes.filter((at) => at < frame).at(-1)
    changes.push({
      itemId: post.itemId,
      tap: post.tap,
      postStart: post.start,
      postEnd: post.end,
      commit,
      frame,
      getStart: get.start,
      getEnd: get.end,
      dom: render.dom,
      paint: render.paint,
      sincePreviousFrame: previousFrame === undefined ? Number.POSITIVE_INFINITY : frame - previousFrame,
    })
  }
  const getsAfter = observer.gets.filter((get) => get.start >= from).length
  return {
    changes,
    incomplete,
    commitOutsidePost,
    getsPerChange: changes.length === 0 ? Number.NaN : getsAfter / changes.length,
  }
}

/** A step of the path, as the difference of two stamps of a change. */
export interface Step {
  name: string
  /** Where the step runs, for the table. */
  where: string
  of: (change: ChangeTimeline) => number
}

/** The path from the tap to the paint, in order; the steps from `commit` on add up to commit → rendered. */
export const STEPS: Step[] = [
  { name: 'tap → POST sent', where: 'A: optimistic apply, request setup', of: (c) => c.postStart - c.tap },
  {
    name: 'POST sent → committed',
    where: 'loopback, server: validation, transaction',
    of: (c) => c.commit - c.postStart,
  },
  {
    name: "committed → A's POST answered",
    where: 'server, loopback (beside the path to B)',
    of: (c) => c.postEnd - c.commit,
  },
  {
    name: 'committed → frame on B',
    where: 'server: broadcast; loopback; B: WebSocket',
    of: (c) => c.frame - c.commit,
  },
  // A GET sent before the frame arrived (queued at the server past the commit) counts from the
  // frame: the two steps still add up to frame → body read, and neither goes negative.
  {
    name: "frame → B's GET sent",
    where: "B: the scheduler's window, TanStack Query (0 if the GET was already out)",
    of: (c) => Math.max(0, c.getStart - c.frame),
  },
  {
    name: "B's GET sent → body read",
    where: 'loopback, server: the detail query (from the frame if sent before it)',
    of: (c) => c.getEnd - Math.max(c.getStart, c.frame),
  },
  {
    name: 'body read → in the DOM',
    where: 'B: TanStack Query notifies, React renders',
    of: (c) => c.dom - c.getEnd,
  },
  { name: 'in the DOM → paint frame', where: 'B: the next animation frame', of: (c) => c.paint - c.dom },
]

/** The steps whose sum is commit → rendered on B. */
export const COMMIT_TO_RENDERED_STEPS = STEPS.slice(3)

export const commitToRendered = (change: ChangeTimeline) => change.paint - change.commit
export const tapToRendered = (change: ChangeTimeline) => change.paint - change.tap

export function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length
}
