/**
 * The "zone serial changed" log line, at most about one per zone per window (1 s): the first change
 * of a zone is logged at once; the zone's further serial changes within the window are folded into
 * one line when it closes (`from` of the first, `serial` of the last, `added`/`removed` summed,
 * `changes` counted, the sources seen). A stream of dynamic updates to one zone (thousands a second)
 * would otherwise write a log line per change. A zone that appears or goes is logged at once, after
 * the line folded so far. Timers come from the caller (tests drive them).
 */
import type { SerialChange } from './zone-tracker.js'

export const ZONE_LOG_WINDOW_MS = 1000

interface ChangeLogger {
  info(o: object, msg: string): void
}

/** Starts a timer that calls `fn` after `ms`; returns its cancel function. */
export type Schedule = (fn: () => void, ms: number) => () => void

interface Folded {
  from: number | undefined
  to: number | undefined
  added: number
  removed: number
  changes: number
  sources: Set<string>
}

interface Window {
  cancel?: () => void
  folded?: Folded
}

const defaultSchedule: Schedule = (fn, ms) => {
  const timer = setTimeout(fn, ms)
  timer.unref()
  return () => clearTimeout(timer)
}

export class ZoneChangeLog {
  private readonly windows = new Map<string, Window>()

  constructor(
    private readonly log: ChangeLogger,
    private readonly schedule: Schedule = defaultSchedule,
    private readonly windowMs = ZONE_LOG_WINDOW_MS,
  ) {}

  changed(c: SerialChange, source: string): void {
    const w = this.windows.get(c.apex)
    if (c.from === undefined || c.to === undefined) {
      if (w) this.close(c.apex, w, false)
      this.write(c.apex, { from: c.from, to: c.to, added: c.added, removed: c.removed, changes: 1, sources: new Set([source]) })
      return
    }
    if (!w) {
      this.write(c.apex, { from: c.from, to: c.to, added: c.added, removed: c.removed, changes: 1, sources: new Set([source]) })
      this.open(c.apex)
      return
    }
    const f = w.folded
    if (!f) w.folded = { from: c.from, to: c.to, added: c.added, removed: c.removed, changes: 1, sources: new Set([source]) }
    else {
      f.to = c.to
      f.added += c.added
      f.removed += c.removed
      f.changes++
      f.sources.add(source)
    }
  }

  /** Logs every folded line now and closes the windows (stop). */
  flush(): void {
    for (const [apex, w] of [...this.windows]) this.close(apex, w, false)
  }

  private open(apex: string): void {
    const w: Window = {}
    w.cancel = this.schedule(() => this.close(apex, w, true), this.windowMs)
    this.windows.set(apex, w)
  }

  /** Logs what `w` folded; a window that folded something opens the next one (a steady stream: one line a window). */
  private close(apex: string, w: Window, reopen: boolean): void {
    w.cancel?.()
    this.windows.delete(apex)
    if (!w.folded) return
    this.write(apex, w.folded)
    if (reopen) this.open(apex)
  }

  private write(apex: string, f: Folded): void {
    const fields: Record<string, unknown> = { zone: apex, from: f.from, serial: f.to, added: f.added, removed: f.removed, source: [...f.sources].join(',') }
    if (f.changes > 1) fields.changes = f.changes
    this.log.info(fields, f.to === undefined ? 'zone removed' : 'zone serial changed')
  }
}
