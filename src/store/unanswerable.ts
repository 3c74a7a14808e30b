/**
 * Records that load but are never served (#13): every one the codec accepts yet no query can get,
 * with its index in the records file and why, for a warning at load and a count in the status.
 * The codec (record-json.ts) already refuses what it cannot read (an MX without preference fails the
 * load naming records[i].value); this finds what reads well but the answering rules (dns/local)
 * never reach. Pure: no I/O.
 */
import { encodeRdata } from '../dns/wire/rdata.js'
import { nameKey, type DnsRecord } from './record.js'

export interface Unanswerable {
  /** Position in the records list (records[index] in dnsrecords.json). */
  index: number
  name: string
  type: string
  reason: string
}

/** Strict ancestors of `key` (lookup-key form), nearest first. */
function ancestors(key: string): string[] {
  const out: string[] = []
  for (let i = key.indexOf('.'); i >= 0; i = key.indexOf('.', i + 1)) out.push(key.slice(i + 1))
  return out
}

/**
 * Each record that cannot be answered: a value that does not encode as its type's RDATA; data at a
 * name that also holds a CNAME (only CNAME and ANY questions reach it, RFC 1034 3.6.2); data below
 * a zone cut other than glue addresses (a referral answers, RFC 1034 4.3.2); data below a DNAME
 * (RFC 6672 2.4). Cuts and DNAMEs count only inside a local zone (below a SOA owner), as answered.
 */
export function unanswerableRecords(records: readonly DnsRecord[]): Unanswerable[] {
  // the types at each name: a short array (a Set per name cost ~100 bytes at a million names)
  const types = new Map<string, string[]>()
  const keys = records.map((r) => nameKey(r.name))
  records.forEach((r, i) => {
    const type = r.type.toUpperCase()
    const list = types.get(keys[i])
    if (list === undefined) types.set(keys[i], [type])
    else if (!list.includes(type)) list.push(type)
  })
  const has = (key: string, type: string) => types.get(key)?.includes(type) === true
  const inZone = (key: string) => has(key, 'SOA') || ancestors(key).some((a) => has(a, 'SOA'))
  // the names that can hide what is below them (a DNAME, a NS without a SOA): usually few or none, so most
  // records need no walk over their ancestors
  const hiding = new Set<string>()
  for (const [key, list] of types) if (list.includes('DNAME') || (list.includes('NS') && !list.includes('SOA'))) hiding.add(key)
  const out: Unanswerable[] = []
  records.forEach((r, index) => {
    const type = r.type.toUpperCase()
    const key = keys[index]
    const reason = problem(r, type, key, has, inZone, hiding)
    if (reason) out.push({ index, name: r.name, type, reason })
  })
  return out
}

function problem(
  r: DnsRecord,
  type: string,
  key: string,
  has: (k: string, t: string) => boolean,
  inZone: (k: string) => boolean,
  hiding: ReadonlySet<string>,
): string | undefined {
  if (encodeRdata(type, r.value) === undefined) return `the value does not encode as ${type} data`
  if (type !== 'CNAME' && has(key, 'CNAME')) return `shadowed by the CNAME at the same name: only CNAME and ANY questions reach it (RFC 1034 3.6.2)`
  if (hiding.size === 0) return undefined
  for (const a of ancestors(key)) {
    if (!hiding.has(a)) continue
    if (has(a, 'DNAME') && inZone(a)) return `below the DNAME at ${a}: names under it are redirected, never answered (RFC 6672 2.4)`
    if (has(a, 'NS') && !has(a, 'SOA') && inZone(a) && type !== 'A' && type !== 'AAAA') {
      return `below the zone cut at ${a}: answered by a referral (RFC 1034 4.3.2); only glue addresses are used there`
    }
  }
  return undefined
}

/** A count that took less than this is recounted on every change (small stores: always exact). */
export const CHEAP_COUNT_MS = 50
/** A costly count is repeated at most once per this many of its own durations (at most ~1 % of the time). */
export const RECOUNT_SPACING = 100

/**
 * The unanswerable count for /metrics and the status route: one pass per generation of the store
 * (`key`, e.g. its index), but a pass is O(records) (every value encoded), so a large store under a
 * stream of writes would spend its time recounting on every scrape. A pass that took longer than
 * CHEAP_COUNT_MS is repeated only after RECOUNT_SPACING times its duration; until then the last count
 * is returned (it lags behind the writes by that much; the load-time warnings are exact).
 */
export class UnanswerableCounter {
  private last: { key: object; count: number; at: number; tookMs: number } | undefined

  constructor(private readonly clock: () => number = () => performance.now()) {}

  count(key: object, list: () => readonly DnsRecord[]): number {
    const last = this.last
    if (last && (last.key === key || (last.tookMs >= CHEAP_COUNT_MS && this.clock() - last.at < last.tookMs * RECOUNT_SPACING))) {
      return last.count
    }
    const start = this.clock()
    const count = unanswerableRecords(list()).length
    const at = this.clock()
    this.last = { key, count, at, tookMs: at - start }
    return count
  }
}
