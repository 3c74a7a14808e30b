/**
 * Fast-path answers counted in batches. A hit adds one to its own entry's `pending` (memory the
 * fast path has just read, so counting touches nothing else per query), and the batch hands every
 * entry's count to the counters once per second (when a hit falls in a new second, so per-second
 * and per-minute series stay exact) and whenever something reads them (flush). Pure; no timers.
 * One batch per set of hit objects: `pending` belongs to the batch that set it.
 */
import type { ResolutionHit } from './resolution.js'

/** Counts `n` hits of `hit`, the last of them at `at` (epoch ms; all in the same second). */
export type CountHits = (hit: ResolutionHit, n: number, at: number) => void

export class HitBatch {
  private readonly dirty: ResolutionHit[] = []
  /** [secondStart, secondStart + 1000): the second the pending hits fall in; the last one's time. */
  private secondStart = -Infinity
  private lastAt = 0

  constructor(private readonly countHits: CountHits) {}

  /** One hit answered at `at`: counted at the next flush. */
  add(at: number, hit: ResolutionHit): void {
    const since = at - this.secondStart
    if (since >= 1000 || since < 0) {
      this.flush()
      this.secondStart = at - (((at % 1000) + 1000) % 1000)
    }
    this.lastAt = at
    const p = hit.pending
    if (p === undefined || p === 0) {
      hit.pending = 1
      this.dirty.push(hit)
    } else hit.pending = p + 1
  }

  /** Counts every pending hit now (before the counters are read). */
  flush(): void {
    const dirty = this.dirty
    if (dirty.length === 0) return
    for (let i = 0; i < dirty.length; i++) {
      const hit = dirty[i]
      const n = hit.pending as number
      hit.pending = 0
      this.countHits(hit, n, this.lastAt)
    }
    dirty.length = 0
  }
}
