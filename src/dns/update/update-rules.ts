/**
 * RFC 2136 applied to a record list: zone check (3.1), prerequisites (3.2), update prescan (3.4.1)
 * and the updates (3.4.2), all or nothing. Records are validated by the API's codec
 * (checkRecordInput) and compared under the RDATA wire form, names case-insensitively.
 * Pure: new records (ids, times) come from the caller's `newRecord`. planUpdate reads only the names
 * the message names (through an UpdateView, e.g. the store's index) and returns the change as a delta,
 * so an UPDATE costs its own size, not the zone's.
 *
 * SOA: an update of the apex SOA replaces its other fields and keeps the stored serial (the serial
 * is advanced by the store on every change, not by clients); SOA deletes are ignored (3.4.2.3/4).
 */
import { recordContentProblems, checkRecordInput, type ValidRecordInput } from '../../store/record-validate.js'
import type { RecordDelta } from '../../store/index-delta.js'
import { nameKey, valueKey, type DnsRecord } from '../../store/record.js'
import { rrTypeByMnemonic, TYPE_ANY } from '../../store/rr-types.js'
import { assertRrsetFits } from '../../store/rrset-size.js'
import { isAtOrBelow } from '../local/names.js'
import { applyDelta } from './update-delta.js'
import { encodeRdata } from '../wire/rdata.js'
import { CLASS_IN } from '../wire/wire.js'
import { CLASS_ANY, CLASS_NONE, type UpdateMessage, type UpdateRR } from './update-message.js'

/** RFC 2136 2.2 / RFC 1035 4.1.1 response codes of an UPDATE. */
export const UPDATE_RCODES = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, YXRRSET: 7, NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10,
} as const
export type UpdateRcode = keyof typeof UPDATE_RCODES

export interface UpdateOutcome {
  rcode: UpdateRcode
  /** The records after the update; undefined when nothing changed (or on an error). */
  next?: DnsRecord[]
  added: number
  removed: number
  /** Why a FORMERR/REFUSED happened, for the log. */
  reason?: string
}

/** What planUpdate decided: the outcome and, when something changed, the change itself. */
export interface UpdatePlan {
  rcode: UpdateRcode
  /** Records of the view removed, replaced (TTL or SOA fields) and added; undefined when nothing changed. */
  delta?: RecordDelta
  added: number
  removed: number
  reason?: string
}

/** The records an update reads: those owned by a name (a lookup key), in file order; `ofType` by name and upper-case type when the source has it cheaper. */
export interface UpdateView {
  atName(key: string): readonly DnsRecord[]
  ofType?(key: string, type: string): readonly DnsRecord[]
}

/** The records of `view` owned by `key` with type `type` (upper case). */
function ofType(view: UpdateView, key: string, type: string): readonly DnsRecord[] {
  return view.ofType ? view.ofType(key, type) : view.atName(key).filter((r) => isType(r, type))
}

export interface UpdateContext {
  newRecord: (v: ValidRecordInput) => DnsRecord
  /** Go time text for updated_on. */
  stamp: string
}

/** Meta types that never appear as data (RFC 2136 3.4.1.2: AXFR, IXFR, MAILA, MAILB, ANY; and OPT, TSIG, TKEY). */
function isMetaType(code: number): boolean {
  return code === 41 || (code >= 249 && code <= 255)
}

const NAME_SHAPES: ReadonlySet<string> = new Set(['name', 'mx', 'srv', 'soa'])

/** RDATA identity: the wire form (names lower-cased), else the duplicate rule's text form. */
function rdataKey(type: string, value: string): string {
  const shape = rrTypeByMnemonic(type)?.shape
  const wire = encodeRdata(type, shape !== undefined && NAME_SHAPES.has(shape) ? value.toLowerCase() : value)
  return wire ? wire.toString('hex') : valueKey(type, value)
}

const fail = (rcode: UpdateRcode, reason?: string): UpdateOutcome => ({ rcode, added: 0, removed: 0, reason })
const isType = (r: DnsRecord, type: string): boolean => r.type.toUpperCase() === type

/** True when `zone` (a lookup key) owns a SOA in `view`. */
export function holdsZone(view: UpdateView, zone: string): boolean {
  return ofType(view, zone, 'SOA').length > 0
}

/** A view over a plain record list: grouped by owner on first use (one pass). */
export function listView(records: readonly DnsRecord[]): UpdateView {
  let byName: Map<string, DnsRecord[]> | undefined
  const atName = (key: string): readonly DnsRecord[] => {
    if (!byName) {
      byName = new Map()
      for (const r of records) {
        const k = nameKey(r.name)
        const list = byName.get(k)
        if (list) list.push(r)
        else byName.set(k, [r])
      }
    }
    return byName.get(key) ?? []
  }
  return { atName, ofType: (key, type) => atName(key).filter((r) => isType(r, type)) }
}

/** Applies `m` to `records`; see the file comment. The new list is built from the plan's delta. */
export function applyUpdate(records: readonly DnsRecord[], m: UpdateMessage, ctx: UpdateContext): UpdateOutcome {
  const { delta, ...plan } = planUpdate(listView(records), m, ctx)
  return plan.rcode === 'NOERROR' ? { ...plan, next: delta && applyDelta(records, delta) } : plan
}

/** RFC 2136 3.1-3.4 against `view`, all or nothing: the change as a delta of the view's records. */
export function planUpdate(view: UpdateView, m: UpdateMessage, ctx: UpdateContext): UpdatePlan {
  if (m.zoneClass !== CLASS_IN || !holdsZone(view, m.zone)) return fail('NOTAUTH', `not authoritative for zone ${m.zone}`)
  const pre = checkPrerequisites(view, m)
  if (pre !== undefined) return pre
  for (const u of m.updates) {
    const bad = prescan(u, m.zone)
    if (bad !== undefined) return bad
  }
  return applyUpdates(view, m, ctx)
}

/** RFC 2136 3.2.5, in section order, on the records before any update; undefined when every prerequisite holds. */
function checkPrerequisites(view: UpdateView, m: UpdateMessage): UpdateOutcome | undefined {
  const wanted = new Map<string, { name: string; type: string; values: Set<string> }>()
  for (const p of m.prerequisites) {
    if (p.ttl !== 0) return fail('FORMERR', 'prerequisite TTL must be 0')
    if (!isAtOrBelow(p.name, m.zone)) return fail('NOTZONE', `${p.name} is not in zone ${m.zone}`)
    const anyType = p.typeCode === TYPE_ANY
    if (p.rrClass === CLASS_ANY || p.rrClass === CLASS_NONE) {
      if (p.value !== undefined) return fail('FORMERR', 'prerequisite with class ANY/NONE must have no RDATA')
      const exists = (anyType ? view.atName(p.name) : ofType(view, p.name, p.type)).length > 0
      if (p.rrClass === CLASS_ANY && !exists) return fail(anyType ? 'NXDOMAIN' : 'NXRRSET')
      if (p.rrClass === CLASS_NONE && exists) return fail(anyType ? 'YXDOMAIN' : 'YXRRSET')
    } else if (p.rrClass === m.zoneClass) {
      if (p.value === undefined || anyType) return fail('FORMERR', 'value-dependent prerequisite without RDATA')
      const k = `${p.name}\u0000${p.type}`
      const set = wanted.get(k) ?? { name: p.name, type: p.type, values: new Set<string>() }
      set.values.add(rdataKey(p.type, p.value))
      wanted.set(k, set)
    } else {
      return fail('FORMERR', `prerequisite class ${p.rrClass}`)
    }
  }
  // RFC 2136 3.2.3: each value-dependent RRset must match the zone's exactly
  for (const w of wanted.values()) {
    const have = new Set(ofType(view, w.name, w.type).map((r) => rdataKey(r.type, r.value)))
    if (have.size !== w.values.size || [...w.values].some((v) => !have.has(v))) return fail('NXRRSET')
  }
  return undefined
}

/** RFC 2136 3.4.1: FORMERR/NOTZONE for an update record that can never apply. */
function prescan(u: UpdateRR, zone: string): UpdateOutcome | undefined {
  if (!isAtOrBelow(u.name, zone)) return fail('NOTZONE', `${u.name} is not in zone ${zone}`)
  if (u.rrClass === CLASS_IN) {
    if (isMetaType(u.typeCode) || u.value === undefined) return fail('FORMERR', `cannot add type ${u.type}${u.value === undefined ? ' without RDATA' : ''}`)
  } else if (u.rrClass === CLASS_ANY) {
    if (u.ttl !== 0 || u.value !== undefined || (isMetaType(u.typeCode) && u.typeCode !== TYPE_ANY)) return fail('FORMERR', 'bad delete-RRset record')
  } else if (u.rrClass === CLASS_NONE) {
    if (u.ttl !== 0 || u.value === undefined || isMetaType(u.typeCode)) return fail('FORMERR', 'bad delete-RR record')
  } else {
    return fail('FORMERR', `update class ${u.rrClass}`)
  }
  return undefined
}

/**
 * The RRsets an update touches, copied from the view on first read (one type, or every type of a name
 * when a rule needs them all); records made here remember the view's record they stand for (null: new),
 * so the result is a delta of the view.
 */
class Names {
  /** Owner key -> upper-case type -> the records now. */
  private readonly sets = new Map<string, Map<string, DnsRecord[]>>()
  /** Owners whose every type was read. */
  private readonly whole = new Set<string>()
  /** Records made by this update, in the order made -> the view's record they replace, or null. */
  private readonly origin = new Map<DnsRecord, DnsRecord | null>()
  removed = 0

  constructor(private readonly view: UpdateView) {}

  private types(key: string): Map<string, DnsRecord[]> {
    let byType = this.sets.get(key)
    if (!byType) this.sets.set(key, (byType = new Map()))
    return byType
  }

  /** The records of `key` and `type` now. */
  of(key: string, type: string): DnsRecord[] {
    const byType = this.types(key)
    let list = byType.get(type)
    if (!list) byType.set(type, (list = this.whole.has(key) ? [] : ofType(this.view, key, type).slice()))
    return list
  }

  /** Every record of `key` now. */
  all(key: string): DnsRecord[] {
    const byType = this.types(key)
    if (!this.whole.has(key)) {
      this.whole.add(key)
      const read = new Set(byType.keys())
      for (const r of this.view.atName(key)) {
        const type = r.type.toUpperCase()
        if (read.has(type)) continue
        const list = byType.get(type)
        if (list) list.push(r)
        else byType.set(type, [r])
      }
    }
    return [...byType.values()].flat()
  }

  add(key: string, r: DnsRecord): void {
    this.origin.set(r, null)
    this.of(key, r.type.toUpperCase()).push(r)
  }

  /** `r` (at `key`) becomes `next`, in place. */
  replace(key: string, r: DnsRecord, next: DnsRecord): void {
    const list = this.of(key, r.type.toUpperCase())
    list[list.indexOf(r)] = next
    this.origin.set(next, this.origin.has(r) ? (this.origin.get(r) as DnsRecord | null) : r)
  }

  /** Removes the records of `key` (of `type`, or of every type) that `pred` selects. */
  remove(key: string, type: string | undefined, pred: (r: DnsRecord) => boolean): void {
    if (type === undefined) this.all(key)
    else this.of(key, type)
    const byType = this.types(key)
    for (const [t, list] of byType) {
      if (type !== undefined && t !== type) continue
      const kept = list.filter((r) => !pred(r))
      this.removed += list.length - kept.length
      byType.set(t, kept)
    }
  }

  /** The change against the view, or undefined when the touched RRsets hold what they held. */
  delta(): RecordDelta | undefined {
    const present = new Set<DnsRecord>()
    for (const byType of this.sets.values()) for (const list of byType.values()) for (const r of list) present.add(r)
    const added: DnsRecord[] = []
    const replaced: (readonly [DnsRecord, DnsRecord])[] = []
    const stays = new Set<DnsRecord>()
    for (const [r, from] of this.origin) {
      if (!present.has(r)) continue
      if (from === null) added.push(r)
      else {
        replaced.push([from, r])
        stays.add(from)
      }
    }
    const removed: DnsRecord[] = []
    for (const [key, byType] of this.sets) {
      for (const type of byType.keys()) for (const r of ofType(this.view, key, type)) if (!present.has(r) && !stays.has(r)) removed.push(r)
    }
    return added.length + replaced.length + removed.length === 0 ? undefined : { removed, added, replaced }
  }
}

/** RFC 2136 3.4.2 on the touched names; the delta is the result when anything changed. */
function applyUpdates(view: UpdateView, m: UpdateMessage, ctx: UpdateContext): UpdatePlan {
  const names = new Names(view)
  let added = 0
  const addedRecords: DnsRecord[] = []
  for (const u of m.updates) {
    const apex = u.name === m.zone
    const type = u.type
    if (u.rrClass === CLASS_IN) {
      const value = u.value as string
      // RFC 2136 3.4.2.2: CNAME and other data never share a name; the clashing add is ignored
      if (type === 'CNAME' ? names.all(u.name).some((r) => !isType(r, 'CNAME')) : names.of(u.name, 'CNAME').length > 0) continue
      if (type === 'SOA') {
        const soa = names.of(u.name, 'SOA')[0]
        if (!apex || !soa) continue
        const fields = value.trim().split(/\s+/)
        const kept = soa.value.trim().split(/\s+/)
        if (fields.length !== 7 || kept.length !== 7) return fail('FORMERR', 'SOA value')
        fields[2] = kept[2]
        const text = fields.join(' ')
        if (rdataKey('SOA', text) === rdataKey('SOA', soa.value) && soa.ttl === u.ttl) continue
        names.replace(u.name, soa, { ...soa, value: text, ttl: u.ttl, updated_on: ctx.stamp })
        added++
        continue
      }
      const key = rdataKey(type, value)
      const same = names.of(u.name, type).find((r) => rdataKey(r.type, r.value) === key)
      if (same) {
        // an identical RR: only its TTL may change
        if (same.ttl !== u.ttl) names.replace(u.name, same, { ...same, ttl: u.ttl, updated_on: ctx.stamp })
        continue
      }
      const check = checkRecordInput({ name: u.name, type, value, ttl: u.ttl })
      if (!check.ok) return fail('FORMERR', check.errors.join('; '))
      const problems = recordContentProblems(check.record.name, check.record.type, check.record.value)
      if (problems.length > 0) return fail('FORMERR', problems.map((p) => p.reason).join('; '))
      if (type === 'CNAME') names.remove(u.name, 'CNAME', () => true)
      const rec = ctx.newRecord(check.record)
      names.add(u.name, rec)
      addedRecords.push(rec)
      added++
    } else if (u.rrClass === CLASS_ANY) {
      if (u.typeCode === TYPE_ANY) {
        names.remove(u.name, undefined, (r) => !(apex && ['SOA', 'NS'].includes(r.type.toUpperCase())))
      } else if (!(apex && (type === 'SOA' || type === 'NS'))) {
        names.remove(u.name, type, () => true)
      }
    } else {
      if (type === 'SOA') continue
      const key = rdataKey(type, u.value as string)
      const match = (r: DnsRecord): boolean => isType(r, type) && rdataKey(r.type, r.value) === key
      // RFC 2136 3.4.2.4: the last apex NS stays
      if (apex && type === 'NS' && names.of(u.name, 'NS').every(match)) continue
      names.remove(u.name, type, match)
    }
  }
  for (const rec of addedRecords) {
    const list = names.of(nameKey(rec.name), rec.type.toUpperCase())
    if (!list.includes(rec)) continue
    try {
      assertRrsetFits(list, rec)
    } catch (err) {
      return fail('REFUSED', (err as Error).message)
    }
  }
  return { rcode: 'NOERROR', delta: names.delta(), added, removed: names.removed }
}
