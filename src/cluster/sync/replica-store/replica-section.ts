/**
 * The record_lww versions as they sit in dnsrecords.json (key `dnsplane_record_lww`, see
 * store/record-versions.ts) and in journal entries. Pure: no I/O.
 *
 *   {"format":1,"node_id":"n1","clock":{"wall":W,"counter":C},
 *    "versions":[[key, wall, counter, node, digest], ...],   one per record in "records"
 *    "entries":[{key, version, deleted:true} | {key, version, record}, ...],  tombstones and live
 *              entries the file does not show (a concurrent copy of a record under another key)
 *    "journal":[[entry, ...], ...]}   journal payloads not folded in yet (written at start-up only)
 *
 * A `versions` row names the record of "records" with that key; `digest` (recordDigest) says the
 * record is still the one versioned. A record edited by hand fails the digest and is versioned
 * anew; a row whose record is gone is reported as `unresolved` (deleted while stopped).
 */
import { isValidHlc, type Hlc } from '../lww/hlc.js'
import { entryKey, recordDigest, type ReplicaState, type VersionedEntry } from '../lww/replica.js'
import { parseEntryList } from '../../wire/messages.js'
import type { DnsRecord } from '../../../store/record.js'
import { UNFOLDED_KEY } from '../../../store/record-versions.js'
import { sameRecordContent } from '../lww/replica.js'
import { JsonRows } from '../../../store/records-file.js'

export const SECTION_FORMAT = 1

/** The JSON form of one entry in `entries` and in journal payloads (as cluster_replica.json had it). */
export function entryJson(e: VersionedEntry): object {
  return e.record ? { key: e.key, version: e.version, record: e.record } : { key: e.key, version: e.version, deleted: true }
}

/** The section for a snapshot holding `records`. */
export function encodeSection(state: ReplicaState, nodeId: string, clock: { wall: number; counter: number }, records: readonly DnsRecord[]): object {
  const shown = new Set<string>()
  const versions = [...versionRows(state, records, shown)]
  const entries = [...hiddenEntries(state, shown)]
  return { format: SECTION_FORMAT, node_id: nodeId, clock, versions, entries }
}

/**
 * encodeSection for a snapshot written in slices (records-file.ts recordsFileChunks): `versions` and
 * `entries` are made as they are written, a slice per event-loop turn, not in one go before it. Each key
 * is written as the state holds it when its slice is made, at or after the snapshot's point: the journal
 * entries from that point on, replayed at start-up, put every key changed since as it is (replay), so
 * the state read back is the same.
 */
export function encodeSectionLazily(state: ReplicaState, nodeId: string, clock: { wall: number; counter: number }, records: readonly DnsRecord[]): object {
  const shown = new Set<string>()
  const versions = new JsonRows(() => versionRows(state, records, shown))
  // written after every row: `shown` is complete by then
  const entries = new JsonRows(() => hiddenEntries(state, shown))
  return { format: SECTION_FORMAT, node_id: nodeId, clock, versions, entries }
}

/** The `versions` rows of `records` (the first record of a key whose entry it is), noting their keys in `shown`. */
function* versionRows(state: ReplicaState, records: readonly DnsRecord[], shown: Set<string>): Generator<unknown[]> {
  for (const r of records) {
    const key = entryKey(r)
    const e = state.get(key)
    if (!e?.record || shown.has(key) || !(e.record === r || sameRecordContent(e.record, r))) continue
    shown.add(key)
    yield [key, e.version.wall, e.version.counter, e.version.node, state.contentDigest(key)]
  }
}

/** The entries no `versions` row shows (tombstones, concurrent copies). */
function* hiddenEntries(state: ReplicaState, shown: ReadonlySet<string>): Generator<object> {
  for (const e of state.eachEntry()) if (!shown.has(e.key)) yield entryJson(e)
}

export interface DecodedSection {
  /** Entries whose record is in `served` unchanged, plus `entries` of the section. */
  entries: VersionedEntry[]
  /** Keys with a live version whose record `served` no longer holds unchanged. */
  unresolved: Set<string>
  /** Live versions the section held (for the mass-delete guard). */
  live: number
  clock?: { wall: number; counter: number }
  /** Journal payloads kept in the section at start-up (oldest first). */
  unfolded: unknown[]
}

/** Decodes a section against the records served now. Throws Error naming the first problem. */
export function decodeSection(raw: unknown, served: readonly DnsRecord[]): DecodedSection {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('must be an object')
  const o = raw as Record<string, unknown>
  if (o.format !== SECTION_FORMAT) throw new Error(`format: unsupported ${JSON.stringify(o.format)} (expected ${SECTION_FORMAT})`)
  const byKey = new Map<string, DnsRecord>()
  for (const r of served) {
    const k = entryKey(r)
    if (!byKey.has(k)) byKey.set(k, r)
  }
  const rows = o.versions ?? []
  if (!Array.isArray(rows)) throw new Error('versions: must be an array')
  const entries: VersionedEntry[] = []
  const unresolved = new Set<string>()
  rows.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== 5 || typeof row[0] !== 'string' || typeof row[4] !== 'string') throw new Error(`versions[${i}]: must be [key, wall, counter, node, digest]`)
    const version = { wall: row[1], counter: row[2], node: row[3] } as Hlc
    if (!isValidHlc(version)) throw new Error(`versions[${i}]: version out of bounds`)
    const key = row[0] as string
    const r = byKey.get(key)
    if (r && recordDigest(r) === row[4]) entries.push({ key, version, record: r })
    else unresolved.add(key)
  })
  const extra = parseEntryList(o.entries ?? [])
  for (const e of extra) unresolved.delete(e.key)
  entries.push(...extra)
  const unfolded = o[UNFOLDED_KEY] ?? []
  if (!Array.isArray(unfolded)) throw new Error(`${UNFOLDED_KEY}: must be an array`)
  const c = o.clock as Record<string, unknown> | undefined
  const clock = c && Number.isSafeInteger(c.wall) && Number.isSafeInteger(c.counter) ? { wall: c.wall as number, counter: c.counter as number } : undefined
  return { entries, unresolved, live: rows.length + extra.filter((e) => e.record).length, clock, unfolded }
}

/** Decodes one journal payload (the entries a change made). Throws Error when malformed. */
export function decodePayload(raw: unknown): VersionedEntry[] {
  return parseEntryList(raw)
}
