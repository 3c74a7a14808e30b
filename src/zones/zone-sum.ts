/**
 * An order-independent digest of a set of keys that moves by the keys added and removed: each key's
 * SHA-256 is read as four 32-bit lanes, and the set's sum is the lane-wise sum modulo 2^32 (a
 * multiset hash in the manner of AdHash). The digest is SHA-256 over a prefix (the zone's SOA),
 * the count and the sum, cut to 128 bits and marked `2:` (the first format, a hash of the sorted
 * keys, had no mark). Pure.
 */
import { createHash, hash } from 'node:crypto'

export const DIGEST_MARK = '2:'

export class ContentSum {
  private readonly lanes = new Uint32Array(4)
  private count = 0

  /** Adds (by 1) or removes (by -1) one key. */
  add(key: string, by: 1 | -1): void {
    const h = hash('sha256', key, 'buffer') // one-shot: no Hash object per key (a million at start-up)
    for (let i = 0; i < 4; i++) this.lanes[i] = this.lanes[i] + by * h.readUInt32BE(i * 4)
    this.count += by
  }

  digest(prefix: string): string {
    const text = `${prefix}|${this.count}|${Array.from(this.lanes, (x) => x.toString(16)).join('.')}`
    return DIGEST_MARK + createHash('sha256').update(text).digest('hex').slice(0, 32)
  }
}

/** True for a digest of the first format (persisted by an older version). */
export function isLegacyDigest(digest: string): boolean {
  return !digest.startsWith(DIGEST_MARK)
}
