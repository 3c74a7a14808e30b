/**
 * A record list with a delta applied, in the order index-delta.ts defines (replaced records keep
 * their place, removed ones go, added ones follow). O(records): for callers that want the whole
 * list (tests, a store without bulk writes); the store itself takes the delta. Pure.
 */
import type { RecordDelta } from '../../store/index-delta.js'
import type { DnsRecord } from '../../store/record.js'

export function applyDelta(records: readonly DnsRecord[], delta: RecordDelta): DnsRecord[] {
  const gone = new Set(delta.removed)
  const replaced = new Map(delta.replaced)
  const next: DnsRecord[] = []
  for (const r of records) if (!gone.has(r)) next.push(replaced.get(r) ?? r)
  for (const r of delta.added) next.push(r)
  return next
}
