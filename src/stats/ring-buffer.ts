/**
 * Fixed-capacity ring buffer: push is O(1) and never allocates after construction;
 * the oldest entry is overwritten when full. Pure; no timers, no I/O.
 */
export class RingBuffer<T> {
  protected items: (T | undefined)[]
  protected head = 0 // index of the next write
  private size = 0

  /** @param capacity number of entries kept; must be a positive integer (throws RangeError otherwise). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring buffer capacity must be a positive integer, got ${capacity}`)
    this.items = new Array<T | undefined>(capacity).fill(undefined)
  }

  get length(): number {
    return this.size
  }

  push(item: T): void {
    this.items[this.head] = item
    this.advance()
  }

  /** Up to `limit` entries, newest first. */
  newest(limit = this.size): T[] {
    const n = Math.max(0, Math.min(limit, this.size))
    const out = new Array<T>(n)
    for (let i = 0; i < n; i++) {
      out[i] = this.read((this.head - 1 - i + this.capacity) % this.capacity)
    }
    return out
  }

  clear(): void {
    this.items.fill(undefined)
    this.head = 0
    this.size = 0
  }

  /** Moves past the slot at `head`, just written (a compare, not a modulo: it runs once per query). */
  protected advance(): void {
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1
    if (this.size < this.capacity) this.size++
  }

  /** The entry in `slot` (subclasses may build it there). */
  protected read(slot: number): T {
    return this.items[slot] as T
  }
}
