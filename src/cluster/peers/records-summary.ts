/**
 * What a node tells a dialling peer about its records (ours, in auth_ok): how many it serves and an
 * order-independent digest of them, so `cluster status` can show per peer "42 records, digest
 * matches" without moving the records. Pure apart from node:crypto.
 */
import { hash } from 'node:crypto'
import type { DnsRecord } from '../../store/record.js'

export interface RecordsSummary {
  count: number
  /** 16 lowercase hex characters; equal sets give equal digests whatever their order. */
  digest: string
}

const MASK = (1n << 64n) - 1n

/**
 * Sum (mod 2^64) of 64 bits of sha256 over each record's name (lower-cased), type, value and ttl.
 * A sum rather than XOR so two identical records do not cancel; the id is left out (a file that
 * never had ids and a replica that assigned them still hold the same records).
 */
export function recordsDigest(records: readonly DnsRecord[]): string {
  let sum = 0n
  for (const r of records) {
    // one-shot: a Hash object per record made this seconds at a million records, on every handshake after a change
    const h = hash('sha256', `${r.name.toLowerCase()}\t${r.type}\t${r.value}\t${r.ttl}`, 'buffer')
    sum = (sum + h.readBigUInt64BE(0)) & MASK
  }
  return sum.toString(16).padStart(16, '0')
}

/**
 * A summary function cached per record set: `current()` returns an object that changes identity
 * whenever the records change (the store's served index), so the digest is computed once per change
 * and only when a handshake or a status asks for it.
 */
export function cachedSummary(current: () => object, list: () => readonly DnsRecord[]): () => RecordsSummary {
  let key: object | undefined
  let value: RecordsSummary | undefined
  return () => {
    const k = current()
    if (value === undefined || k !== key) {
      const records = list()
      value = { count: records.length, digest: recordsDigest(records) }
      key = k
    }
    return value
  }
}
