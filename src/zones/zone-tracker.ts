/**
 * Follows the store's record sets and keeps, per zone, its content, its SOA serial (see serial.ts) and a
 * bounded history of differences for IXFR (RFC 1995). Fed from the store's change events (follow): a
 * change that reaches the tracker as one index delta is applied at the cost of the delta; anything else
 * (a reload, a change of zone apexes) is compared zone by zone. The caller gives the clock. Pure: no I/O.
 */
import { deltasSince, type IndexDelta, type RecordDelta } from '../store/index-delta.js'
import type { RecordIndex } from '../store/record-index.js'
import type { RecordChange } from '../store/record-store.js'
import type { DnsRecord } from '../store/record.js'
import type { WireRR } from '../dns/wire/wire.js'
import { nextSerial, startSerial, versionSeconds } from './serial.js'
import { parentKey } from '../dns/local/names.js'
import { buildZoneContent, groupByZone, servedOwner, servedSoa, soaSerialOf, zonesOf, type LiveZone, type ZoneChange, type ZoneContent, type ZoneRR } from './zone-content.js'
import { isLegacyDigest } from './zone-sum.js'

/** One step of a zone's history: what turned version `from` into version `to`. */
export interface ZoneDiff {
  from: number
  to: number
  /** Content digest at `to` (zone-content.ts): a history read back must end at the content loaded. */
  digest: string
  /** The SOAs served at `from` and at `to`. */
  oldSoa: WireRR
  newSoa: WireRR
  removed: ZoneRR[]
  added: ZoneRR[]
  /** Wire bytes of the RRs above (counted against the history budget). */
  bytes: number
}

/** What start-up and the state file remember of a zone. */
export interface PersistedZone {
  serial: number
  digest: string
}

export interface SerialChange {
  apex: string
  /** Undefined for a zone that appeared. */
  from: number | undefined
  /** Undefined for a zone that is gone (its SOA was deleted). */
  to: number | undefined
  added: number
  removed: number
}

export interface ZoneTrackerOptions {
  /** Differences kept per zone; 0 = no history (every IXFR is answered as an AXFR). */
  maxDiffs: number
  /** Wire bytes of differences kept per zone. */
  maxBytes: number
}

interface ZoneState {
  content: LiveZone
  serial: number
  history: ZoneDiff[]
  historyBytes: number
}

export class ZoneTracker {
  private readonly zones = new Map<string, ZoneState>()
  /** Last serial and digest of every zone seen (also gone ones, so a zone that returns goes on counting). */
  private readonly known = new Map<string, PersistedZone>()
  /** Owners of every SOA at the last full pass (zones whose SOA does not encode included): deltas keep them. */
  private apexSet = new Set<string>()
  /** The index followed last (its deltas lead on from here). */
  private index: RecordIndex | undefined
  /** Digests of the first format the loaded zones had (a persisted one of that format is compared with it). */
  private readonly legacy = new Map<string, string>()

  constructor(private readonly opts: ZoneTrackerOptions) {}

  /**
   * Start-up: serial = the newest of the persisted serial, the newest record time and the stored SOA serial;
   * when the content differs from what was persisted (edited while stopped), one more step at `nowSeconds`.
   */
  load(records: readonly DnsRecord[] | RecordIndex, persisted: ReadonlyMap<string, PersistedZone>, nowSeconds: number): void {
    for (const [apex, p] of persisted) this.known.set(apex, p)
    const list = 'records' in records ? records.records : records
    if ('records' in records) this.index = records
    const groups = groupByZone(list)
    this.apexSet = new Set(groups.keys())
    for (const [apex, members] of groups) {
      const content = buildZoneContent(apex, members)
      if (!content) continue
      const before = persisted.get(apex)
      let serial = startSerial([before?.serial, content.newest, soaSerialOf(content.soaRdata)])
      if (before && !this.sameDigest(apex, content, before.digest) && serial === before.serial) serial = nextSerial(serial, nowSeconds)
      this.set(apex, { content, serial, history: [], historyBytes: 0 })
    }
  }

  /**
   * Follows a store change: at the cost of its delta when the change's index carries one delta from the
   * index followed last and moves no zone apex; else a full pass (skipped when mayTouch says no zone can
   * have changed). Returns the zones whose serial moved (or that appeared or went).
   */
  follow(change: Pick<RecordChange, 'index' | 'records' | 'kind'>, nowSeconds: number): SerialChange[] {
    const path = this.index ? deltasSince(change.index.deltas, this.index.uid) : undefined
    this.index = change.index
    const applied = path?.length === 1 && path[0].to === change.index.uid && !movesApexes(path[0]) ? this.applyDelta(path[0], nowSeconds) : undefined
    if (applied) return applied
    return this.mayTouch(change.records, change.kind) ? this.update(change.index.records, nowSeconds) : []
  }

  /** Follows a new record set; returns the zones whose serial moved (or that appeared or went). */
  update(records: readonly DnsRecord[], nowSeconds: number): SerialChange[] {
    const changes: SerialChange[] = []
    const groups = groupByZone(records)
    this.apexSet = new Set(groups.keys())
    for (const [apex, members] of groups) {
      const prev = this.zones.get(apex)
      if (prev && sameMembers(prev.content.members, members)) continue
      const content = buildZoneContent(apex, members)
      if (!content) {
        if (prev) changes.push(this.drop(apex, prev))
        continue
      }
      if (!prev) {
        const before = this.known.get(apex)
        const serial = before
          ? nextSerial(startSerial([before.serial, content.newest, soaSerialOf(content.soaRdata)]), nowSeconds)
          : startSerial([content.newest, soaSerialOf(content.soaRdata)])
        this.set(apex, { content, serial, history: [], historyBytes: 0 })
        changes.push({ apex, from: undefined, to: serial, added: content.rrCount + 1, removed: 0 })
        continue
      }
      if (prev.content.digest === content.digest) {
        prev.content = content // same RRs from other record objects (a reload, a replica apply)
        continue
      }
      // the change's own time: the newest version time of the records it brought (see step)
      let changed: number | undefined
      for (const r of members) if (!prev.content.hasStamp(r)) changed = newer(changed, r)
      const rrs = content.changesSince(prev.content)
      const oldSoa = servedSoa(prev.content, prev.serial)
      prev.content = content
      changes.push(this.step(apex, prev, oldSoa, rrs, changed, nowSeconds))
    }
    for (const [apex, prev] of this.zones) if (!groups.has(apex)) changes.push(this.drop(apex, prev))
    return changes
  }

  /**
   * False when a change of `records` (added or removed, or updated with no zone held) cannot touch any zone:
   * none is a SOA and none is at or below a zone apex. Saves the full pass over the records on every write
   * of a node that holds no zones, or writes outside them.
   */
  mayTouch(records: readonly DnsRecord[], kind: 'add' | 'update' | 'remove' | 'replace'): boolean {
    if (kind === 'replace' || (kind === 'update' && this.zones.size > 0)) return true
    for (const r of records) {
      if (r.type.toUpperCase() === 'SOA') return true
      for (let k: string | undefined = servedOwner(r); k !== undefined; k = parentKey(k)) if (this.zones.has(k)) return true
    }
    return false
  }

  /** The serial served for `apex` now, or undefined when it is not a zone. */
  serialOf(apex: string): number | undefined {
    return this.zones.get(apex)?.serial
  }

  /** Apexes of the zones held now. */
  apexes(): string[] {
    return [...this.zones.keys()]
  }

  /** The zone's content and serial now, for AXFR. */
  current(apex: string): { content: ZoneContent; serial: number; soa: WireRR } | undefined {
    const z = this.zones.get(apex)
    return z && { content: z.content, serial: z.serial, soa: servedSoa(z.content, z.serial) }
  }

  /** The differences leading from `serial` to now, oldest first; undefined when the history does not reach back to it. */
  diffsSince(apex: string, serial: number): readonly ZoneDiff[] | undefined {
    const z = this.zones.get(apex)
    if (!z) return undefined
    if (serial === z.serial) return []
    const i = z.history.findIndex((d) => d.from === serial)
    return i < 0 ? undefined : z.history.slice(i)
  }

  /** The zone's history now, oldest first (empty for no zone). */
  historyOf(apex: string): readonly ZoneDiff[] {
    return this.zones.get(apex)?.history ?? []
  }

  /**
   * Start-up: takes a history read back from disk (src/zones/history-file.ts) when it ends at the serial
   * and content loaded; kept within the budget (the oldest first out). False when it does not fit (the
   * zone then answers IXFR from older serials with the whole zone until new changes build a history).
   */
  restoreHistory(apex: string, diffs: readonly ZoneDiff[]): boolean {
    const z = this.zones.get(apex)
    const last = diffs[diffs.length - 1]
    if (!z || !last || z.history.length > 0 || last.to !== z.serial || !this.sameDigest(apex, z.content, last.digest)) return false
    const history = [...diffs]
    let bytes = history.reduce((n, d) => n + d.bytes, 0)
    while (history.length > 0 && (history.length > this.opts.maxDiffs || bytes > this.opts.maxBytes)) bytes -= (history.shift() as ZoneDiff).bytes
    z.history = history
    z.historyBytes = bytes
    return history.length > 0
  }

  /** What the state file keeps: serial and digest of every zone seen. */
  persisted(): Record<string, PersistedZone> {
    const out: Record<string, PersistedZone> = {}
    for (const [apex, p] of this.known) out[apex] = { ...p }
    return out
  }

  /** One index delta: each zone it touches takes its part in place; undefined (nothing done) when it needs a full pass. */
  private applyDelta(delta: IndexDelta, nowSeconds: number): SerialChange[] | undefined {
    const parts = new Map<string, { removed: DnsRecord[]; added: DnsRecord[]; replaced: [DnsRecord, DnsRecord][] }>()
    const part = (apex: string) => {
      let p = parts.get(apex)
      if (!p) parts.set(apex, (p = { removed: [], added: [], replaced: [] }))
      return p
    }
    const zones = (r: DnsRecord): string[] => (this.apexSet.size === 0 ? [] : zonesOf(this.apexSet, r))
    for (const r of delta.removed) for (const z of zones(r)) part(z).removed.push(r)
    for (const r of delta.added) for (const z of zones(r)) part(z).added.push(r)
    for (const [old, r] of delta.replaced) {
      const to = zones(r)
      const from = zones(old)
      // a record that moves into a zone or to another owner takes the old one's place in file order, which the
      // zone does not keep (file order picks an RRset's TTL): compared in full
      if (to.some((z) => !from.includes(z)) || (from.length > 0 && servedOwner(old) !== servedOwner(r))) return undefined
      for (const z of from) if (to.includes(z)) part(z).replaced.push([old, r])
      else part(z).removed.push(old)
    }
    const changes: SerialChange[] = []
    for (const [apex, d] of parts) {
      const z = this.zones.get(apex)
      if (!z) continue // its SOA does not encode: no zone
      let changed: number | undefined
      for (const r of [...d.added, ...d.replaced.map(([, n]) => n)]) if (!z.content.hasStamp(r)) changed = newer(changed, r)
      const oldSoa = servedSoa(z.content, z.serial)
      const rrs = z.content.apply(d)
      if (rrs.added.length === 0 && rrs.removed.length === 0) {
        this.known.set(apex, { serial: z.serial, digest: z.content.digest })
        continue // the same RRs (e.g. another spelling of a value)
      }
      changes.push(this.step(apex, z, oldSoa, rrs, changed, nowSeconds))
    }
    return changes
  }

  /**
   * Moves zone `apex` (its content already changed) one serial step for the RRs `rrs` changed. `changed`:
   * the newest version time (updated_on, else added_on) of the records the change brought (the same on every
   * node); ours when it brought none with a time (a delete).
   */
  private step(apex: string, z: ZoneState, oldSoa: WireRR, rrs: ZoneChange, changed: number | undefined, nowSeconds: number): SerialChange {
    const content = z.content
    // k records of the zone stamped in that second count k steps from it: a node that receives a burst as one
    // delta lands where the writer did after taking the burst one change at a time (never on a serial the
    // writer had with other content), so a secondary moving between nodes is not told it is current wrongly
    let serial = nextSerial(z.serial, changed === undefined ? nowSeconds : changed + Math.max(0, content.stampsAt(changed) - 1))
    // an operator who raises the stored serial past ours is followed (e.g. to jump a secondary forward)
    serial = startSerial([serial, soaSerialOf(content.soaRdata)])
    const diff: ZoneDiff = {
      from: z.serial, to: serial, digest: content.digest, oldSoa, newSoa: servedSoa(content, serial),
      removed: rrs.removed, added: rrs.added, bytes: 0,
    }
    diff.bytes = diffWireBytes(diff)
    const history = z.history
    history.push(diff)
    let bytes = z.historyBytes + diff.bytes
    while (history.length > 0 && (history.length > this.opts.maxDiffs || bytes > this.opts.maxBytes)) bytes -= (history.shift() as ZoneDiff).bytes
    const from = z.serial
    this.set(apex, { content, serial, history, historyBytes: bytes })
    return { apex, from, to: serial, added: rrs.added.length, removed: rrs.removed.length }
  }

  /** True when `digest` (persisted, maybe in the first format) is the digest of `content`. */
  private sameDigest(apex: string, content: LiveZone, digest: string): boolean {
    if (!isLegacyDigest(digest)) return digest === content.digest
    let legacy = this.legacy.get(apex)
    if (legacy === undefined) this.legacy.set(apex, (legacy = content.legacyDigest()))
    return digest === legacy
  }

  private drop(apex: string, prev: ZoneState): SerialChange {
    this.zones.delete(apex)
    return { apex, from: prev.serial, to: undefined, added: 0, removed: prev.content.rrCount + 1 }
  }

  private set(apex: string, z: ZoneState): void {
    this.zones.set(apex, z)
    this.known.set(apex, { serial: z.serial, digest: z.content.digest })
  }
}

/** The later of `t` and `r`'s version time. */
function newer(t: number | undefined, r: DnsRecord): number | undefined {
  const s = versionSeconds(r)
  return s !== undefined && (t === undefined || s > t) ? s : t
}

/** True when a delta adds, removes or changes a SOA record (the zones themselves may change: a full pass). */
function movesApexes(d: RecordDelta): boolean {
  const soa = (r: DnsRecord): boolean => r.type.toUpperCase() === 'SOA'
  return d.removed.some(soa) || d.added.some(soa) || d.replaced.some(([a, b]) => soa(a) || soa(b))
}

/** False when `a` is unknown (a zone changed by deltas since its last full build). */
function sameMembers(a: readonly DnsRecord[] | undefined, b: readonly DnsRecord[]): boolean {
  if (a === undefined || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Wire bytes of a difference's RRs, counted against the history budget (`ixfr_history_max_bytes`). */
export function diffWireBytes(d: Pick<ZoneDiff, 'oldSoa' | 'newSoa' | 'removed' | 'added'>): number {
  let n = d.oldSoa.body.length + d.newSoa.body.length
  for (const rr of d.removed) n += rr.name.length + 2 + rr.body.length
  for (const rr of d.added) n += rr.name.length + 2 + rr.body.length
  return n
}
