/**
 * A sliding-window counter in constant memory: the count of the current fixed window plus the previous
 * window's count weighted by how much of it still overlaps the sliding window (the estimate Cloudflare
 * and nginx-style limiters use). Pure: time comes in as epoch milliseconds.
 */
export interface WindowCount {
  /** Start of the current fixed window, epoch ms (a multiple of the window length). */
  start: number
  current: number
  previous: number
}

/** An empty counter for the window holding `now`. */
export function newWindow(now: number, windowMs: number): WindowCount {
  return { start: now - (now % windowMs), current: 0, previous: 0 }
}

/**
 * Counts one event at `now` if the estimated count of the last `windowMs` is below `max`; returns
 * whether it was counted (false = over the limit, nothing counted).
 */
export function countInWindow(w: WindowCount, now: number, windowMs: number, max: number): boolean {
  const start = now - (now % windowMs)
  if (start > w.start) {
    w.previous = start - w.start === windowMs ? w.current : 0
    w.current = 0
    w.start = start
  }
  const overlap = Math.max(0, 1 - (now - w.start) / windowMs)
  if (w.previous * overlap + w.current >= max) return false
  w.current++
  return true
}
