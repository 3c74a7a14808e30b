/**
 * Follows the store's record sets and keeps, per zone, its content, its SOA serial (see serial.ts) and a
 * bounded history of differences for IXFR (RFC 1995). Fed from the store's change events; the caller
 * gives the clock. Pure: no I/O.
 */
import type { DnsRecord } from '../store/record.js'
import type { WireRR } from '../dns/wire/wire.js'
import { nextSerial, startSerial, versionSeconds } from './serial.js'
import { parentKey } from '../dns/local/names.js'
import { buildZoneContent, groupByZone, rrOfKey, servedOwner, servedSoa, soaSerialOf, stampOf, type ZoneContent, type ZoneRR } from './zone-content.js'

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
  content: ZoneContent
  serial: number
  history: ZoneDiff[]
  historyBytes: number
}

export class ZoneTracker {
  private readonly zones = new Map<string, ZoneState>()
  /** Last serial and digest of every zone seen (also gone ones, so a zone that returns goes on counting). */
  private readonly known = new Map<string, PersistedZone>()

  constructor(private readonly opts: ZoneTrackerOptions) {}

  /**
   * Start-up: serial = the newest of the persisted serial, the newest record time and the stored SOA serial;
   * when the content differs from what was persisted (edited while stopped), one more step at `nowSeconds`.
   */
  load(records: readonly DnsRecord[], persisted: ReadonlyMap<string, PersistedZone>, nowSeconds: number): void {
    for (const [apex, p] of persisted) this.known.set(apex, p)
    for (const [apex, members] of groupByZone(records)) {
      const content = buildZoneContent(apex, members)
      if (!content) continue
      const before = persisted.get(apex)
      let serial = startSerial([before?.serial, content.newest, soaSerialOf(content.soaRdata)])
      if (before && before.digest !== content.digest && serial === before.serial) serial = nextSerial(serial, nowSeconds)
      this.set(apex, { content, serial, history: [], historyBytes: 0 })
    }
  }

  /** Follows a new record set; returns the zones whose serial moved (or that appeared or went). */
  update(records: readonly DnsRecord[], nowSeconds: number): SerialChange[] {
    const changes: SerialChange[] = []
    const groups = groupByZone(records)
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
        changes.push({ apex, from: undefined, to: serial, added: content.rrs.size + 1, removed: 0 })
        continue
      }
      if (prev.content.digest === content.digest) {
        prev.content = content // same RRs from other record objects (a reload, a replica apply)
        continue
      }
      changes.push(this.advance(apex, prev, content, nowSeconds))
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
    if (!z || !last || z.history.length > 0 || last.to !== z.serial || last.digest !== z.content.digest) return false
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

  private advance(apex: string, prev: ZoneState, content: ZoneContent, nowSeconds: number): SerialChange {
    // the change's own time, the newest version time (updated_on, else added_on) of the records it brought (the same on every node);
    // ours when it brought none with a time (a delete)
    let changed: number | undefined
    // members kept as the same objects are unchanged; others are compared by stamp (a reload or replica apply makes equal copies)
    const kept = new Set(prev.content.members)
    let prevStamps: Set<string> | undefined
    for (const r of content.members) {
      if (kept.has(r)) continue
      prevStamps ??= new Set(prev.content.members.map(stampOf))
      if (prevStamps.has(stampOf(r))) continue
      const s = versionSeconds(r)
      if (s !== undefined && (changed === undefined || s > changed)) changed = s
    }
    // k records of the zone stamped in that second count k steps from it: a node that receives a burst as one
    // delta lands where the writer did after taking the burst one change at a time (never on a serial the
    // writer had with other content), so a secondary moving between nodes is not told it is current wrongly
    let serial = nextSerial(prev.serial, changed === undefined ? nowSeconds : changed + Math.max(0, secondCount(content.members, changed) - 1))
    // an operator who raises the stored serial past ours is followed (e.g. to jump a secondary forward)
    serial = startSerial([serial, soaSerialOf(content.soaRdata)])
    const removed: ZoneRR[] = []
    const added: ZoneRR[] = []
    for (const k of prev.content.rrs) if (!content.rrs.has(k)) removed.push(rrOfKey(k))
    for (const k of content.rrs) if (!prev.content.rrs.has(k)) added.push(rrOfKey(k))
    const diff: ZoneDiff = {
      from: prev.serial, to: serial, digest: content.digest, oldSoa: servedSoa(prev.content, prev.serial), newSoa: servedSoa(content, serial),
      removed, added, bytes: 0,
    }
    diff.bytes = diffWireBytes(diff)
    const history = prev.history
    history.push(diff)
    let bytes = prev.historyBytes + diff.bytes
    while (history.length > 0 && (history.length > this.opts.maxDiffs || bytes > this.opts.maxBytes)) bytes -= (history.shift() as ZoneDiff).bytes
    this.set(apex, { content, serial, history, historyBytes: bytes })
    return { apex, from: prev.serial, to: serial, added: added.length, removed: removed.length }
  }

  private drop(apex: string, prev: ZoneState): SerialChange {
    this.zones.delete(apex)
    return { apex, from: prev.serial, to: undefined, added: 0, removed: prev.content.rrs.size + 1 }
  }

  private set(apex: string, z: ZoneState): void {
    this.zones.set(apex, z)
    this.known.set(apex, { serial: z.serial, digest: z.content.digest })
  }
}

/** How many distinct records (by identity and version) of `members` were stamped in second `sec`. */
function secondCount(members: readonly DnsRecord[], sec: number): number {
  const seen = new Set<string>()
  for (const r of members) if (versionSeconds(r) === sec) seen.add(stampOf(r))
  return seen.size
}

function sameMembers(a: readonly DnsRecord[], b: readonly DnsRecord[]): boolean {
  if (a.length !== b.length) return false
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
