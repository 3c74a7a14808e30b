/**
 * RFC 2136 applied to a record list: zone check (3.1), prerequisites (3.2), update prescan (3.4.1)
 * and the updates (3.4.2), all or nothing. Records are validated by the API's codec
 * (checkRecordInput) and compared under the RDATA wire form, names case-insensitively.
 * Pure: new records (ids, times) come from the caller's `newRecord`.
 *
 * SOA: an update of the apex SOA replaces its other fields and keeps the stored serial (the serial
 * is advanced by the store on every change, not by clients); SOA deletes are ignored (3.4.2.3/4).
 */
import { recordContentProblems, checkRecordInput, type ValidRecordInput } from '../../store/record-validate.js'
import { nameKey, valueKey, type DnsRecord } from '../../store/record.js'
import { rrTypeByMnemonic, TYPE_ANY } from '../../store/rr-types.js'
import { assertRrsetFits } from '../../store/rrset-size.js'
import { isAtOrBelow } from '../local/names.js'
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

const at = (r: DnsRecord, name: string): boolean => nameKey(r.name) === name
const fail = (rcode: UpdateRcode, reason?: string): UpdateOutcome => ({ rcode, added: 0, removed: 0, reason })

/** The zones held: owners of SOA records (lookup keys). */
export function heldZones(records: readonly DnsRecord[]): Set<string> {
  const zones = new Set<string>()
  for (const r of records) if (r.type.toUpperCase() === 'SOA') zones.add(nameKey(r.name))
  return zones
}

/** Applies `m` to `records`; see the file comment. */
export function applyUpdate(records: readonly DnsRecord[], m: UpdateMessage, ctx: UpdateContext): UpdateOutcome {
  if (m.zoneClass !== CLASS_IN || !heldZones(records).has(m.zone)) return fail('NOTAUTH', `not authoritative for zone ${m.zone}`)
  const zoneRecords = records.filter((r) => isAtOrBelow(nameKey(r.name), m.zone))
  const pre = checkPrerequisites(zoneRecords, m)
  if (pre !== undefined) return pre
  for (const u of m.updates) {
    const bad = prescan(u, m.zone)
    if (bad !== undefined) return bad
  }
  return applyUpdates(records, m, ctx)
}

/** RFC 2136 3.2.5, in section order; undefined when every prerequisite holds. */
function checkPrerequisites(zone: readonly DnsRecord[], m: UpdateMessage): UpdateOutcome | undefined {
  const wanted = new Map<string, { name: string; type: string; values: Set<string> }>()
  for (const p of m.prerequisites) {
    if (p.ttl !== 0) return fail('FORMERR', 'prerequisite TTL must be 0')
    if (!isAtOrBelow(p.name, m.zone)) return fail('NOTZONE', `${p.name} is not in zone ${m.zone}`)
    const ofName = zone.filter((r) => at(r, p.name))
    const anyType = p.typeCode === TYPE_ANY
    const ofType = anyType ? ofName : ofName.filter((r) => r.type.toUpperCase() === p.type)
    if (p.rrClass === CLASS_ANY || p.rrClass === CLASS_NONE) {
      if (p.value !== undefined) return fail('FORMERR', 'prerequisite with class ANY/NONE must have no RDATA')
      const exists = ofType.length > 0
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
    const have = new Set(zone.filter((r) => at(r, w.name) && r.type.toUpperCase() === w.type).map((r) => rdataKey(r.type, r.value)))
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

/** RFC 2136 3.4.2 on a copy of the records; the copy is the result when anything changed. */
function applyUpdates(records: readonly DnsRecord[], m: UpdateMessage, ctx: UpdateContext): UpdateOutcome {
  let next = records.slice()
  let added = 0
  let removed = 0
  const addedRecords: DnsRecord[] = []
  const remove = (pred: (r: DnsRecord) => boolean): void => {
    const before = next.length
    next = next.filter((r) => !pred(r))
    removed += before - next.length
  }
  for (const u of m.updates) {
    const apex = u.name === m.zone
    const type = u.type
    if (u.rrClass === CLASS_IN) {
      const value = u.value as string
      const ofName = next.filter((r) => at(r, u.name))
      const hasCname = ofName.some((r) => r.type.toUpperCase() === 'CNAME')
      // RFC 2136 3.4.2.2: CNAME and other data never share a name; the clashing add is ignored
      if (type === 'CNAME' ? ofName.some((r) => r.type.toUpperCase() !== 'CNAME') : hasCname) continue
      if (type === 'SOA') {
        const soa = ofName.find((r) => r.type.toUpperCase() === 'SOA')
        if (!apex || !soa) continue
        const fields = value.trim().split(/\s+/)
        const kept = soa.value.trim().split(/\s+/)
        if (fields.length !== 7 || kept.length !== 7) return fail('FORMERR', 'SOA value')
        fields[2] = kept[2]
        const text = fields.join(' ')
        if (rdataKey('SOA', text) === rdataKey('SOA', soa.value) && soa.ttl === u.ttl) continue
        next = next.map((r) => (r === soa ? { ...r, value: text, ttl: u.ttl, updated_on: ctx.stamp } : r))
        added++
        continue
      }
      const key = rdataKey(type, value)
      const same = ofName.find((r) => r.type.toUpperCase() === type && rdataKey(r.type, r.value) === key)
      if (same) {
        // an identical RR: only its TTL may change
        if (same.ttl !== u.ttl) next = next.map((r) => (r === same ? { ...r, ttl: u.ttl, updated_on: ctx.stamp } : r))
        continue
      }
      const check = checkRecordInput({ name: u.name, type, value, ttl: u.ttl })
      if (!check.ok) return fail('FORMERR', check.errors.join('; '))
      const problems = recordContentProblems(check.record.name, check.record.type, check.record.value)
      if (problems.length > 0) return fail('FORMERR', problems.map((p) => p.reason).join('; '))
      if (type === 'CNAME') remove((r) => at(r, u.name) && r.type.toUpperCase() === 'CNAME')
      const rec = ctx.newRecord(check.record)
      next.push(rec)
      addedRecords.push(rec)
      added++
    } else if (u.rrClass === CLASS_ANY) {
      if (u.typeCode === TYPE_ANY) {
        remove((r) => at(r, u.name) && !(apex && ['SOA', 'NS'].includes(r.type.toUpperCase())))
      } else if (!(apex && (type === 'SOA' || type === 'NS'))) {
        remove((r) => at(r, u.name) && r.type.toUpperCase() === type)
      }
    } else {
      if (type === 'SOA') continue
      const key = rdataKey(type, u.value as string)
      const match = (r: DnsRecord): boolean => at(r, u.name) && r.type.toUpperCase() === type && rdataKey(r.type, r.value) === key
      // RFC 2136 3.4.2.4: the last apex NS stays
      if (apex && type === 'NS' && next.filter((r) => at(r, u.name) && r.type.toUpperCase() === 'NS').every(match)) continue
      remove(match)
    }
  }
  for (const rec of addedRecords) {
    if (!next.includes(rec)) continue
    try {
      assertRrsetFits(next, rec)
    } catch (err) {
      return fail('REFUSED', (err as Error).message)
    }
  }
  const changed = next.length !== records.length || next.some((r, i) => r !== records[i])
  return { rcode: 'NOERROR', next: changed ? next : undefined, added, removed }
}
