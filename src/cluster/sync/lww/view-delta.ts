/**
 * What a merge changes in the records served (pure): for the entries that won, the served records
 * to remove, replace and add so that the store shows the replica's view again, at the cost of the
 * merge (only the name+type+value of each winner and of the record it replaced are looked at),
 * where a rewrite from view() costs the whole store. The result is what viewOrderedLike would make
 * of the served list: a record keeps its place when its key stays shown, else it goes and the
 * shown one is appended.
 */
import type { RecordDelta } from '../../../store/index-delta.js'
import type { RecordIndex } from '../../../store/record-index.js'
import { recordKey, type DnsRecord } from '../../../store/record.js'
import { entryKey, sameRecordContent, type ReplicaState, type VersionedEntry } from './replica.js'

/**
 * The change to the records `index` serves after `won` were merged into `state`; `previous` holds
 * each winner's entry before the merge (undefined: none). Assumes the store showed the view before.
 */
export function viewDelta(state: ReplicaState, index: RecordIndex, won: readonly VersionedEntry[], previous: ReadonlyMap<string, VersionedEntry | undefined>): RecordDelta {
  const touched = new Map<string, DnsRecord>()
  for (const e of won) {
    const before = previous.get(e.key)?.record
    if (before) touched.set(recordKey(before), before)
    if (e.record) touched.set(recordKey(e.record), e.record)
  }
  const removed: DnsRecord[] = []
  const added: DnsRecord[] = []
  const replaced: [DnsRecord, DnsRecord][] = []
  for (const [ck, sample] of touched) {
    const shown = state.shownFor(ck)?.record
    const shownKey = shown && entryKey(shown)
    let kept = false
    for (const r of index.lookup(sample.name, sample.type)) {
      if (recordKey(r) !== ck) continue
      if (shown && !kept && entryKey(r) === shownKey) {
        kept = true
        if (!sameRecordContent(r, shown)) replaced.push([r, shown])
      } else removed.push(r)
    }
    if (shown && !kept) added.push(shown)
  }
  // A record whose value changed under the same key keeps its place (as viewOrderedLike keeps it).
  const goneByKey = new Map<string, DnsRecord>()
  for (const r of removed) if (!goneByKey.has(entryKey(r))) goneByKey.set(entryKey(r), r)
  const moved = new Set<DnsRecord>()
  const appended: DnsRecord[] = []
  for (const r of added) {
    const old = goneByKey.get(entryKey(r))
    if (old && !moved.has(old)) {
      moved.add(old)
      replaced.push([old, r])
    } else appended.push(r)
  }
  return { removed: removed.filter((r) => !moved.has(r)), added: appended, replaced }
}
