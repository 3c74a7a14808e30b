/**
 * A map of at most `capacity` entries that forgets the least recently used one to make room: the
 * limiters' per-client state stays bounded whatever the number of addresses a flood comes from. Pure
 * (a JavaScript Map keeps insertion order; touching an entry re-inserts it at the end).
 */
export class BoundedMap<K, V> {
  private readonly map = new Map<K, V>()
  /** Entries forgotten to make room since construction. */
  evictions = 0

  /** Throws RangeError unless `capacity` is a positive integer. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`)
  }

  get size(): number {
    return this.map.size
  }

  /** The value of `key`, marked most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const v = this.map.get(key)
    if (v !== undefined) {
      this.map.delete(key)
      this.map.set(key, v)
    }
    return v
  }

  /** Sets `key` as most recently used, forgetting the least recently used entry when full. */
  set(key: K, value: V): void {
    if (this.map.has(key)) this.map.delete(key)
    else if (this.map.size >= this.capacity) {
      const oldest = this.map.keys().next().value as K
      this.map.delete(oldest)
      this.evictions++
    }
    this.map.set(key, value)
  }
}
