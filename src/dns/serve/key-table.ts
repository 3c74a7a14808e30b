/**
 * The fast path's index: an open-addressing hash table (linear probing) of entries keyed by the
 * question's key bytes, read in place from the scratch buffer the query was scanned into. A hit
 * builds no key string and does no Map read: an FNV-1a hash over the bytes, one probe (usually),
 * and a byte compare. Deleted slots hold a tombstone until the next rebuild. Pure: no I/O.
 * The key lives inside the entry's own bytes (the fast path keeps it in the cached response, whose
 * bytes the hit copies next), so a hit touches the slot, the entry and those bytes, nothing else.
 */

/**
 * What the table stores: a key of `keyLength` bytes (a lower-cased name, a 2-byte type, a flag byte),
 * the first keyLength - 1 at `key[keyAt...]` (the name there in any letter case), the last one
 * `keyLast`; and hashKey() of the whole key (lower-cased).
 */
export interface Keyed {
  readonly key: Uint8Array
  readonly keyAt: number
  readonly keyLength: number
  readonly keyLast: number
  readonly hash: number
}

/** Slots of a new or cleared table (a power of two); it doubles while more than half are in use. */
export const MIN_TABLE_SLOTS = 1024

/** FNV-1a (32-bit) of `bytes[0, length)`, as a signed 32-bit integer. */
export function hashKey(bytes: Uint8Array, length: number): number {
  let h = 0x811c9dc5 | 0
  for (let i = 0; i < length; i++) h = Math.imul(h ^ bytes[i], 0x01000193)
  return h
}

/** keyLength -1 matches no key. */
const TOMBSTONE: Keyed = Object.freeze({ key: new Uint8Array(0), keyAt: 0, keyLength: -1, keyLast: 0, hash: 0 })

export class KeyTable<E extends Keyed> {
  private slots: (E | undefined)[] = []
  private mask = 0
  /** Live entries, and live entries plus tombstones (what the probe sequences see). */
  private live = 0
  private used = 0

  constructor() {
    this.reset(MIN_TABLE_SLOTS)
  }

  get size(): number {
    return this.live
  }

  /** The entry whose key is `bytes[0, length)` (`hash` = hashKey of those bytes), or undefined. */
  get(hash: number, bytes: Uint8Array, length: number): E | undefined {
    const slots = this.slots
    const mask = this.mask
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const e = slots[i]
      if (e === undefined) return undefined
      if (e.hash === hash && isKey(e, bytes, length)) return e
    }
  }

  /** Adds `entry`; the caller has deleted any entry with the same key first. */
  add(entry: E): void {
    if ((this.used + 1) * 2 > this.slots.length) this.rebuild(this.live + 1)
    const mask = this.mask
    let i = entry.hash & mask
    while (this.slots[i] !== undefined) i = (i + 1) & mask
    this.slots[i] = entry
    this.live++
    this.used++
  }

  /** Removes `entry` (the object itself); no-op when it is not in the table. */
  delete(entry: E): void {
    const mask = this.mask
    for (let i = entry.hash & mask; ; i = (i + 1) & mask) {
      const e = this.slots[i]
      if (e === undefined) return
      if (e === entry) {
        this.slots[i] = TOMBSTONE as E // keeps the probe sequences of later keys intact
        this.live--
        return
      }
    }
  }

  clear(): void {
    this.reset(MIN_TABLE_SLOTS)
  }

  /** Re-inserts the live entries into a table sized for `need` entries (drops the tombstones). */
  private rebuild(need: number): void {
    const old = this.slots
    let size = MIN_TABLE_SLOTS
    while (size < need * 4) size *= 2 // at most a quarter full afterwards
    this.reset(size)
    for (const e of old) if (e !== undefined && e !== TOMBSTONE) this.add(e)
  }

  private reset(size: number): void {
    this.slots = new Array<E | undefined>(size).fill(undefined)
    this.mask = size - 1
    this.live = 0
    this.used = 0
  }
}

/**
 * Whether `bytes[0, length)` is the key of `e` (never for the tombstone). The looked-up key's name is
 * lower-case; the stored name may hold upper-case ASCII letters (the fast path patches each client's
 * case into the bytes that hold it), so those compare folded (RFC 4343); the type bytes compare exactly.
 */
function isKey(e: Keyed, bytes: Uint8Array, length: number): boolean {
  if (e.keyLength !== length) return false
  const key = e.key
  const at = e.keyAt
  const name = length - 3
  const last = length - 1
  let i = 0
  for (; i < name; i++) {
    const k = key[at + i]
    if (k !== bytes[i] && (k < 0x41 || k > 0x5a || (k | 0x20) !== bytes[i])) return false
  }
  for (; i < last; i++) if (key[at + i] !== bytes[i]) return false
  return e.keyLast === bytes[last]
}
