/**
 * One node-wide budget for the bytes of inbound cluster frames in flight. Per-frame limits alone
 * let an authenticated peer hold MAX_FRAME_BYTES on every connection at once (64 × 64 MiB); with
 * the budget, a frame larger than SMALL_FRAME_BYTES must reserve its announced length before its
 * body is kept, and holds it until the consumer has finished with it. A reservation that does not
 * fit waits in FIFO order (the channel stops reading that connection meanwhile); a frame larger than
 * the whole budget can never fit and is refused. Pure: no sockets, no timers.
 */

/** Default budget: two frames of the original's 64 MiB maximum in flight at once. */
export const INBOUND_FRAME_BUDGET_BYTES = 128 * 1024 * 1024

/** Frames up to this size need no reservation (auth frames and ordinary deltas; bounded per connection). */
export const SMALL_FRAME_BYTES = 65_536

/** Counters for metrics: bytes reserved now, frames that had to wait, frames refused outright. */
export interface FrameBudgetStats {
  capacity_bytes: number
  in_use_bytes: number
  waits: number
  refusals: number
}

interface Waiter {
  bytes: number
  grant: () => void
}

export class FrameBudget {
  private used = 0
  private readonly waiters: Waiter[] = []
  private waits = 0
  private refusals = 0

  /** `capacityBytes`: the most frame bytes all inbound connections together may hold. */
  constructor(readonly capacityBytes: number = INBOUND_FRAME_BUDGET_BYTES) {}

  get inUseBytes(): number {
    return this.used
  }

  /** True when `bytes` can ever be granted (not larger than the whole budget). */
  fits(bytes: number): boolean {
    return bytes <= this.capacityBytes
  }

  /** Reserves at once when nobody waits ahead and it fits; false otherwise (nothing reserved). */
  tryReserve(bytes: number): boolean {
    if (this.waiters.length > 0 || this.used + bytes > this.capacityBytes) return false
    this.used += bytes
    return true
  }

  /**
   * Queues a reservation of `bytes` (which must fit: see fits()); `grant` runs once it is reserved.
   * Returns a cancel function (a no-op once granted). Counted as one wait.
   */
  wait(bytes: number, grant: () => void): () => void {
    this.waits++
    const w: Waiter = { bytes, grant }
    this.waiters.push(w)
    this.drain()
    return () => {
      const i = this.waiters.indexOf(w)
      if (i >= 0) {
        this.waiters.splice(i, 1)
        this.drain() // a smaller waiter behind it may fit now
      }
    }
  }

  /** Counts a frame refused because it can never fit. */
  noteRefusal(): void {
    this.refusals++
  }

  /** Returns `bytes` reserved earlier and grants waiting reservations that now fit, in order. */
  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes)
    this.drain()
  }

  stats(): FrameBudgetStats {
    return { capacity_bytes: this.capacityBytes, in_use_bytes: this.used, waits: this.waits, refusals: this.refusals }
  }

  private drain(): void {
    while (this.waiters.length > 0 && this.used + this.waiters[0].bytes <= this.capacityBytes) {
      const w = this.waiters.shift() as Waiter
      this.used += w.bytes
      w.grant()
    }
  }
}
