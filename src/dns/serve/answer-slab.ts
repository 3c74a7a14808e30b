/**
 * The fast path's store: every cached response in one slab of bytes, each behind a 16-byte header,
 * and an open-addressing hash table (linear probing) of their offsets in an Int32Array. A hit reads
 * the table slot, then the header and the response next to each other in the slab: about three
 * cache lines, where an object per entry and a Buffer per response cost five or more (the slot, the
 * entry object, the Buffer object, its bytes, and in send() its ArrayBuffer). The key is the
 * question inside the response itself. Dropped entries leave dead bytes until compact(). Pure: no I/O.
 *
 * Entry at offset `at` (a multiple of 4): int32 hash, int32 id, uint16 response length, uint16 key
 * length, the key's last byte, a flag byte, 2 spare bytes, then the response (`at + HEADER`).
 */

/** Bytes before each response. */
export const SLAB_HEADER = 16
/** Slots of a new or cleared table (a power of two); it grows when more than 3/4 are in use (live or deleted). */
export const MIN_TABLE_SLOTS = 1024
/** First slab size; it doubles when full. */
export const MIN_SLAB_BYTES = 64 * 1024

const DNS_HEADER = 12

/** FNV-1a (32-bit) of `bytes[0, length)`, as a signed 32-bit integer. */
export function hashKey(bytes: Uint8Array, length: number): number {
  let h = 0x811c9dc5 | 0
  for (let i = 0; i < length; i++) h = Math.imul(h ^ bytes[i], 0x01000193)
  return h
}

/** Table slot values: 0 empty, -1 a deleted entry (keeps later probe sequences intact), else offset + 1. */
const EMPTY = 0
const TOMBSTONE = -1

export class AnswerSlab {
  /** The slab; a response is `bytes[bodyAt(at), bodyAt(at) + length(at))`. Replaced when it grows. */
  bytes: Buffer
  private words: Int32Array
  private top = 0
  private deadBytes = 0
  private slots: Int32Array
  private mask = 0
  private live = 0
  private used = 0

  constructor(slabBytes = MIN_SLAB_BYTES) {
    this.bytes = Buffer.allocUnsafeSlow(slabBytes)
    this.words = new Int32Array(this.bytes.buffer, this.bytes.byteOffset, slabBytes >> 2)
    this.slots = new Int32Array(MIN_TABLE_SLOTS)
    this.mask = MIN_TABLE_SLOTS - 1
  }

  /** Live entries. */
  get size(): number {
    return this.live
  }

  /** Bytes in use by live entries and by dropped ones not yet compacted. */
  get usedBytes(): number {
    return this.top
  }

  /** Bytes of dropped entries (reclaimed by compact()). */
  get dead(): number {
    return this.deadBytes
  }

  /**
   * Stores `response`, whose question holds the key's name and type (lower-cased); `key` is the
   * whole key (name, type, flag byte) and `hash` its hashKey(). Returns the entry's offset.
   */
  add(hash: number, key: Uint8Array, response: Uint8Array, id: number, flags: number): number {
    const at = this.reserve(SLAB_HEADER + response.length)
    const b = this.bytes
    this.words[at >> 2] = hash
    this.words[(at >> 2) + 1] = id
    b[at + 8] = response.length >> 8
    b[at + 9] = response.length & 0xff
    b[at + 10] = key.length >> 8
    b[at + 11] = key.length & 0xff
    b[at + 12] = key[key.length - 1]
    b[at + 13] = flags
    b.set(response, at + SLAB_HEADER)
    this.link(at, hash)
    return at
  }

  /** Takes the entry at `at` out of the table; its bytes stay dead until compact(). */
  remove(at: number): void {
    const mask = this.mask
    const slots = this.slots
    for (let i = this.words[at >> 2] & mask; ; i = (i + 1) & mask) {
      const s = slots[i]
      if (s === EMPTY) return
      if (s === at + 1) {
        slots[i] = TOMBSTONE
        this.live--
        this.deadBytes += align(SLAB_HEADER + this.length(at))
        return
      }
    }
  }

  /** The offset of the entry whose key is `key[0, length)` (`hash` its hashKey), or -1. */
  find(hash: number, key: Uint8Array, length: number): number {
    const slots = this.slots
    const mask = this.mask
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const s = slots[i]
      if (s === EMPTY) return -1
      if (s !== TOMBSTONE && this.words[(s - 1) >> 2] === hash && this.isKey(s - 1, key, length)) return s - 1
    }
  }

  /** The id given to add(). */
  id(at: number): number {
    return this.words[(at >> 2) + 1]
  }

  /** The flags given to add(). */
  flags(at: number): number {
    return this.bytes[at + 13]
  }

  /** The response's length in bytes. */
  length(at: number): number {
    return (this.bytes[at + 8] << 8) | this.bytes[at + 9]
  }

  /** The key's length (name, type, flag byte): the question ends at DNS header + keyLength + 1. */
  keyLength(at: number): number {
    return (this.bytes[at + 10] << 8) | this.bytes[at + 11]
  }

  /** Where the response starts in `bytes`. */
  bodyAt(at: number): number {
    return at + SLAB_HEADER
  }

  /**
   * A new slab holding only `entries` (each live entry's id and offset here), in their order; calls
   * `moved(id, at)` with each new offset. Used when dead bytes pile up.
   */
  compact(entries: Iterable<{ id: number; at: number }>, moved: (id: number, at: number) => void): AnswerSlab {
    let need = MIN_SLAB_BYTES
    while (need < (this.top - this.deadBytes) * 2) need *= 2
    const next = new AnswerSlab(need)
    for (const e of entries) {
      const at = e.at
      const len = SLAB_HEADER + this.length(at)
      const to = next.reserve(len)
      next.bytes.set(this.bytes.subarray(at, at + len), to)
      next.link(to, this.words[at >> 2])
      moved(e.id, to)
    }
    return next
  }

  /** Whether `key[0, length)` is the key of the entry at `at`. Names compare with ASCII letters folded (see fast-path.ts). */
  private isKey(at: number, key: Uint8Array, length: number): boolean {
    const b = this.bytes
    if (this.keyLength(at) !== length) return false
    const q = at + SLAB_HEADER + DNS_HEADER
    const name = length - 3
    const last = length - 1
    let i = 0
    for (; i < name; i++) {
      const k = b[q + i]
      if (k !== key[i] && (k < 0x41 || k > 0x5a || (k | 0x20) !== key[i])) return false
    }
    for (; i < last; i++) if (b[q + i] !== key[i]) return false
    return b[at + 12] === key[last]
  }

  /** Room for `n` bytes at the top (the slab doubles when full; offsets stay valid). */
  private reserve(n: number): number {
    const at = this.top
    const end = at + align(n)
    if (end > this.bytes.length) {
      let size = this.bytes.length * 2
      while (size < end) size *= 2
      const grown = Buffer.allocUnsafeSlow(size)
      grown.set(this.bytes.subarray(0, at))
      this.bytes = grown
      this.words = new Int32Array(grown.buffer, grown.byteOffset, size >> 2)
    }
    this.top = end
    return at
  }

  private link(at: number, hash: number): void {
    if ((this.used + 1) * 4 > this.slots.length * 3) this.rehash(this.live + 1)
    const mask = this.mask
    let i = hash & mask
    while (this.slots[i] !== EMPTY) i = (i + 1) & mask
    this.slots[i] = at + 1
    this.live++
    this.used++
  }

  /** Re-inserts the live entries into a table sized for `need` entries (drops the tombstones). */
  private rehash(need: number): void {
    const old = this.slots
    let size = MIN_TABLE_SLOTS
    // at most 2/3 full afterwards: a small table stays in the CPU caches, and linear probing at this load
    // still finds most keys in the slot's own cache line
    while (size * 2 < need * 3) size *= 2
    this.slots = new Int32Array(size)
    this.mask = size - 1
    this.live = 0
    this.used = 0
    for (const s of old) if (s > 0) this.link(s - 1, this.words[(s - 1) >> 2])
  }
}

function align(n: number): number {
  return (n + 3) & ~3
}
