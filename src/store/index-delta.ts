/**
 * What changed between two RecordIndex generations, kept on the newer index so that consumers holding
 * structures derived from an older one (the DNS zone tree, the fast-path cache) can catch up at the
 * cost of the change instead of rebuilding from the whole record list. Pure: no I/O.
 */
import type { DnsRecord } from './record.js'

/**
 * One change from the index `from` to the index `to` (their uids). File order after it: records not
 * named keep their order, each `replaced` pair's new record takes the old one's place, `added` follow
 * every other record in the order given, `removed` are gone.
 */
export interface IndexDelta {
  from: number
  to: number
  removed: readonly DnsRecord[]
  added: readonly DnsRecord[]
  replaced: readonly (readonly [DnsRecord, DnsRecord])[]
}

/** The change without its endpoints (what a write knows before its index exists). */
export type RecordDelta = Omit<IndexDelta, 'from' | 'to'>

/** Deltas an index keeps (newest last); older consumers rebuild. */
export const MAX_KEPT_DELTAS = 256
/** Records named by the kept deltas together, so a burst of large replaces does not pin memory. */
export const MAX_KEPT_DELTA_RECORDS = 200_000

/** The size of a delta in records. */
export function deltaSize(d: RecordDelta): number {
  return d.removed.length + d.added.length + d.replaced.length
}

/** `older` plus `latest`, trimmed from the front to the limits above (the newest always kept). */
export function keepDeltas(older: readonly IndexDelta[], latest: IndexDelta): IndexDelta[] {
  const out = [latest]
  let total = deltaSize(latest)
  for (let i = older.length - 1; i >= 0 && out.length < MAX_KEPT_DELTAS; i--) {
    total += deltaSize(older[i])
    if (total > MAX_KEPT_DELTA_RECORDS) break
    out.push(older[i])
  }
  return out.reverse()
}

/**
 * The deltas leading from the index with uid `from` to the end of `deltas` (consecutive), or
 * undefined when `deltas` does not reach back that far.
 */
export function deltasSince(deltas: readonly IndexDelta[], from: number): readonly IndexDelta[] | undefined {
  for (let i = deltas.length - 1; i >= 0; i--) if (deltas[i].from === from) return deltas.slice(i)
  return undefined
}

/**
 * The change from `base` to `next` matched by record id, or undefined when it cannot be described as
 * one (ids missing or repeated, or the records kept are in another order or after new ones: the
 * consumer rebuilds). Unchanged records are the same objects (the store freezes and reuses them), so a
 * kept id with another object is an update in place. O(records), no parsing.
 */
export function diffById(base: readonly DnsRecord[], next: readonly DnsRecord[]): RecordDelta | undefined {
  const at = new Map<string, number>()
  for (let i = 0; i < base.length; i++) {
    const id = base[i].id
    if (!id || at.has(id)) return undefined
    at.set(id, i)
  }
  const kept = new Set<string>()
  const added: DnsRecord[] = []
  const replaced: [DnsRecord, DnsRecord][] = []
  let last = -1
  for (const r of next) {
    if (!r.id || kept.has(r.id)) return undefined
    kept.add(r.id)
    const i = at.get(r.id)
    if (i === undefined) {
      added.push(r)
      continue
    }
    if (i < last || added.length > 0) return undefined // reordered, or a kept record after a new one
    last = i
    if (base[i] !== r) replaced.push([base[i], r])
  }
  const removed = kept.size - added.length === base.length ? [] : base.filter((r) => !kept.has(r.id as string))
  return { removed, added, replaced }
}
