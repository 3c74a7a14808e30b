/**
 * Fast-path answers counted in batches. A hit only appends its entry to a list (a pointer store into
 * memory written just before: the hit reads nothing of its entry object, which is a cache miss on a
 * server with many distinct answers); the flush adds them up per entry (`pending`) and hands every
 * entry's count to the counters. It runs when a hit falls in a new second (so per-second and
 * per-minute series stay exact), when the list is full, and whenever something reads the counters.
 * Pure; no timers. One batch per set of hit objects: `pending` belongs to the batch that set it.
 */
import type { ResolutionHit } from './resolution.js'

/** Counts `n` hits of `hit`, the last of them at `at` (epoch ms; all in the same second). */
export type CountHits = (hit: ResolutionHit, n: number, at: number) => void

/** Hits listed before a flush (bounds the list's memory; any size counts the same). */
export const HIT_BATCH_MAX = 8192

export class HitBatch {
  /** The hits since the last flush, `listed` of them (the rest are stale slots). */
  private readonly hits: (ResolutionHit | undefined)[] = []
  private listed = 0
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
    if (this.listed === HIT_BATCH_MAX) this.flush()
    this.hits[this.listed++] = hit
  }

  /** Counts every pending hit now (before the counters are read). */
  flush(): void {
    const hits = this.hits
    const dirty = this.dirty
    for (let i = 0; i < this.listed; i++) {
      const hit = hits[i] as ResolutionHit
      hits[i] = undefined // no reference kept to entries the fast path dropped since
      const p = hit.pending
      if (p === undefined || p === 0) {
        hit.pending = 1
        dirty.push(hit)
      } else hit.pending = p + 1
    }
    this.listed = 0
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
