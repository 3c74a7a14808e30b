/**
 * What a node tells a dialling peer about its records (ours, in auth_ok): how many it serves and an
 * order-independent digest of them, so `cluster status` can show per peer "42 records, digest
 * matches" without moving the records. Pure apart from node:crypto.
 */
import { hash } from 'node:crypto'
import { deltasSince, type IndexDelta } from '../../store/index-delta.js'
import type { DnsRecord } from '../../store/record.js'

export interface RecordsSummary {
  count: number
  /** 16 lowercase hex characters; equal sets give equal digests whatever their order. */
  digest: string
}

const MASK = (1n << 64n) - 1n

/** One record's share of the digest sum. */
function recordTerm(r: DnsRecord): bigint {
  // one-shot: a Hash object per record made this seconds at a million records, on every handshake after a change
  return hash('sha256', `${r.name.toLowerCase()}\t${r.type}\t${r.value}\t${r.ttl}`, 'buffer').readBigUInt64BE(0)
}

/**
 * Sum (mod 2^64) of 64 bits of sha256 over each record's name (lower-cased), type, value and ttl.
 * A sum rather than XOR so two identical records do not cancel; the id is left out (a file that
 * never had ids and a replica that assigned them still hold the same records).
 */
export function recordsDigest(records: readonly DnsRecord[]): string {
  return hex(sumOf(records))
}

function sumOf(records: readonly DnsRecord[]): bigint {
  let sum = 0n
  for (const r of records) sum = (sum + recordTerm(r)) & MASK
  return sum
}

const hex = (sum: bigint): string => sum.toString(16).padStart(16, '0')

/** What the summary reads of the store's served index (store/record-index.ts). */
export interface SummarySource {
  readonly uid: number
  readonly size: number
  readonly deltas: readonly IndexDelta[]
  readonly records: readonly DnsRecord[]
}

/**
 * A summary function following the store's served index: the first call sums every record; later
 * ones move the sum by the deltas between the index it reflects and the current one (the sum is
 * order-independent), so a handshake after a write costs the write, not the store. An index too far
 * ahead (its kept deltas do not reach back) is summed anew.
 */
export function cachedSummary(current: () => SummarySource): () => RecordsSummary {
  let at: SummarySource | undefined
  let sum = 0n
  let value: RecordsSummary | undefined
  return () => {
    const index = current()
    if (value !== undefined && index === at) return value
    const path = at === undefined ? undefined : deltasSince(index.deltas, at.uid)
    if (path === undefined) {
      sum = sumOf(index.records)
    } else {
      for (const d of path) {
        for (const r of d.removed) sum = (sum - recordTerm(r)) & MASK
        for (const [old, r] of d.replaced) sum = (sum - recordTerm(old) + recordTerm(r)) & MASK
        for (const r of d.added) sum = (sum + recordTerm(r)) & MASK
      }
    }
    at = index
    value = { count: index.size, digest: hex(sum) }
    return value
  }
}
