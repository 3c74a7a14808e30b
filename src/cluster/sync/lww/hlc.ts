/**
 * Hybrid logical clock (Kulkarni et al., 2014) for record_lww versions: wall time in ms plus a
 * counter, tie-broken by node id. Versions from one clock never go backwards, even when the wall
 * clock does, and a version observed from a peer is always exceeded by the next local one, so a
 * write made after seeing another write wins over it. Pure: the wall clock is injected.
 */

export interface Hlc {
  /** Milliseconds since the epoch (the larger of the writer's wall clock and what it had seen). */
  wall: number
  /** Orders versions with the same wall time. */
  counter: number
  /** Writer's node id: the final tie-break, so no two nodes ever make equal versions. */
  node: string
}

/** Largest wall value accepted from disk or wire (year ~6400): rejects garbage before it poisons a clock. */
export const MAX_HLC_WALL = 2 ** 47
/** Largest counter accepted (a clock that ticks this often within one ms is broken). */
export const MAX_HLC_COUNTER = 2 ** 31

export const ZERO_HLC: Hlc = Object.freeze({ wall: 0, counter: 0, node: '' })

/** Total order: wall, then counter, then node id by code units (the same on every node). */
export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1
  if (a.node === b.node) return 0
  return a.node < b.node ? -1 : 1
}

/** True when `v` has the shape and bounds of a version (used on untrusted input). */
export function isValidHlc(v: unknown): v is Hlc {
  if (typeof v !== 'object' || v === null) return false
  const o = v as Record<string, unknown>
  return (
    Number.isSafeInteger(o.wall) &&
    (o.wall as number) >= 0 &&
    (o.wall as number) <= MAX_HLC_WALL &&
    Number.isSafeInteger(o.counter) &&
    (o.counter as number) >= 0 &&
    (o.counter as number) <= MAX_HLC_COUNTER &&
    typeof o.node === 'string' &&
    o.node.length > 0 &&
    o.node.length <= 256
  )
}

/** Compact text form for logs and tests: `<wall>.<counter>@<node>`. */
export function formatHlc(v: Hlc): string {
  return `${v.wall}.${v.counter}@${v.node}`
}

/** The clock of one node. `last` restores the clock saved before a restart. */
export class HlcClock {
  private wall: number
  private counter: number

  constructor(
    readonly node: string,
    private readonly now: () => number,
    last?: Pick<Hlc, 'wall' | 'counter'>,
  ) {
    this.wall = clamp(last?.wall ?? 0, MAX_HLC_WALL)
    this.counter = clamp(last?.counter ?? 0, MAX_HLC_COUNTER)
  }

  /** A new version for a local write, greater than every version made or observed before. */
  tick(): Hlc {
    const pt = Math.min(Math.floor(this.now()), MAX_HLC_WALL)
    if (pt > this.wall) {
      this.wall = pt
      this.counter = 0
    } else if (this.counter >= MAX_HLC_COUNTER) {
      // Keep versions valid (isValidHlc): borrow the next millisecond instead of overflowing,
      // and at the codec's last millisecond saturate rather than make a version no peer (and no
      // restart) accepts. Receivers refuse versions far ahead of their clock, so this stays unreachable.
      if (this.wall < MAX_HLC_WALL) {
        this.wall++
        this.counter = 0
      }
    } else {
      this.counter++
    }
    return { wall: this.wall, counter: this.counter, node: this.node }
  }

  /** Folds in a version seen from a peer so later local versions exceed it. */
  observe(remote: Pick<Hlc, 'wall' | 'counter'>): void {
    // Never let a peer's version move this clock outside the range the codec accepts.
    const wall = clamp(remote.wall, MAX_HLC_WALL)
    const counter = clamp(remote.counter, MAX_HLC_COUNTER)
    if (wall > this.wall) {
      this.wall = wall
      this.counter = counter
    } else if (wall === this.wall && counter > this.counter) {
      this.counter = counter
    }
  }

  /** The last version state, for saving. */
  current(): { wall: number; counter: number } {
    return { wall: this.wall, counter: this.counter }
  }
}

/** `n` as an integer in 0..max (NaN -> 0). */
function clamp(n: number, max: number): number {
  return Number.isFinite(n) ? Math.min(Math.max(0, Math.floor(n)), max) : n === Infinity ? max : 0
}
