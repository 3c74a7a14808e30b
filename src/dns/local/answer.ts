/**
 * Local answers: question + RecordIndex -> authoritative answer, referral, or what to forward.
 * src/dns owns DNS serving; this file is pure (no I/O, no timers, no clock) and imports only the store.
 *
 * Inside a zone (a name under a locally held SOA) the rules are RFC 1034 4.3.2 as Knot applies them:
 * zone cuts give referrals, DNAME synthesizes a CNAME (RFC 6672), wildcards answer names that do not
 * exist (RFC 4592), negatives carry the SOA (RFC 2308). Outside every zone only exact names are
 * answered and the rest is forwarded. Record values become wire bytes once per RecordIndex generation.
 */
import { deltasSince } from '../../store/index-delta.js'
import type { RecordIndex } from '../../store/record-index.js'
import { TYPE_A, TYPE_AAAA, TYPE_ANY, TYPE_CNAME, TYPE_DNAME, TYPE_DS, TYPE_HTTPS, TYPE_MX, TYPE_NS, TYPE_SOA, TYPE_SRV, TYPE_SVCB } from '../../store/rr-types.js'
import { encodeName, ipv4Bytes, ipv6Bytes, soaMinimum } from '../wire/rdata.js'
import { rrBody } from '../wire/wire.js'
import { isAtOrBelow, keyOfWire, parentKey, replaceSuffix } from './names.js'
import { ZoneData, type LocalRR, type RRset, type TtlConflict, type ZoneChanges, type ZoneNode } from './zone-data.js'

export type { LocalRR } from './zone-data.js'

/**
 * RFC 1034 3.6.2 gives no limit; an answer holds at most this many CNAMEs (given or synthesized from a
 * DNAME), the same as knotd gives, and then ends with what it has.
 */
export const MAX_CNAME_HOPS = 5
/** TTL of the built-in localhost answers (the original's value). */
export const LOCALHOST_TTL = 604800

export interface LocalAnswerOptions {
  /** When false only the built-in localhost answers are local; everything else is forwarded. */
  localRecordsEnabled: boolean
  /** Synthesize PTR answers from A/AAAA records whose value is the asked address. */
  autoBuildPtrFromA: boolean
  /** RFC 8482 4.1: answer ANY with one RRset of the name instead of all of them. */
  minimalAny?: boolean
  /** The serial served in a zone's SOA in place of the stored one (src/zones), if any. */
  soaSerial?: (apex: string) => number | undefined
}

export type LocalOutcome =
  /**
   * Positive, NXDOMAIN, NODATA (negatives carry the zone SOA, RFC 2308) or a referral (aa false,
   * the cut's NS in authorities, glue in additionals).
   */
  | { kind: 'answer'; rcode: 'NOERROR' | 'NXDOMAIN' | 'YXDOMAIN'; aa: boolean; answers: LocalRR[]; authorities: LocalRR[]; additionals: LocalRR[] }
  /**
   * Not answerable locally: forward `target` (lookup-key form). `chain` holds local CNAMEs that led
   * there (prepended to the upstream answer). `nodataOnMiss`: the name exists locally, so when
   * the upstreams give nothing the reply is NODATA rather than SERVFAIL.
   */
  | { kind: 'forward'; chain: LocalRR[]; target: string; nodataOnMiss: boolean }

/** What one name gave: an end, or a CNAME (or DNAME-synthesized CNAME) target to continue with. */
type Step = { end: LocalOutcome } | { next: string }

/**
 * Builds local answers from the zone tree of the index handed in. A newer index is caught up with by
 * applying its deltas to the tree (the cost of the change); only an index with no path back to the
 * tree's (first use, a change too large to keep) builds a new tree. Not thread-shared: one per server.
 */
export class LocalAnswerer {
  private index: RecordIndex | undefined
  private data: ZoneData | undefined

  constructor(private readonly opts: LocalAnswerOptions) {}

  /** RRsets of the current generation whose records had different TTLs (for a warning at load). */
  ttlConflicts(index: RecordIndex): readonly TtlConflict[] {
    // with local records off nothing is served from them, so no tree is kept
    if (!this.opts.localRecordsEnabled) return []
    return this.use(index).ttlConflicts
  }

  /**
   * Answers `qkey` (lower-case, no trailing dot) / `qtype` (number) from `index`. Class IN is assumed.
   * `trace` receives the tokens the answer read (see ZoneChanges), for the fast path's invalidation.
   */
  answer(index: RecordIndex, qkey: string, qtype: number, trace?: Set<string>): LocalOutcome {
    if (!this.opts.localRecordsEnabled) return this.builtinOr(qkey, qtype, { kind: 'forward', chain: [], target: qkey, nodataOnMiss: false })
    const d = this.use(index)
    d.trace = trace
    try {
      return this.resolveChain(d, qkey, qtype)
    } finally {
      d.trace = undefined
    }
  }

  /**
   * The types held at `key`, or for a name that does not exist the types of the wildcard that would
   * answer it (empty when none): the NODATA type bit map of online signing (src/dnssec).
   */
  typesAt(index: RecordIndex, key: string): number[] {
    if (!this.opts.localRecordsEnabled) return []
    const d = this.use(index)
    const node = d.nodeAt(key) ?? (d.exists(key) ? undefined : wildcardFor(d, key))
    return node ? node.sets().map((s) => s.type) : []
  }

  /**
   * Brings the tree up to `index` and returns what changed since the index it reflected (tokens as
   * answer() traces them), or undefined when it was built anew (everything may have changed).
   */
  sync(index: RecordIndex): ZoneChanges | undefined {
    if (!this.opts.localRecordsEnabled) return new Set()
    if (index === this.index && this.data) return new Set()
    const path = this.data && this.index ? deltasSince(index.deltas, this.index.uid) : undefined
    if (!path || !this.data || path[path.length - 1].to !== index.uid) {
      this.index = index
      this.data = new ZoneData(index, { autoBuildPtrFromA: this.opts.autoBuildPtrFromA, soaSerial: this.opts.soaSerial })
      return undefined
    }
    const changes: ZoneChanges = new Set()
    for (const delta of path) for (const c of this.data.apply(delta)) changes.add(c)
    this.index = index
    return changes
  }

  private resolveChain(d: ZoneData, qkey: string, qtype: number): LocalOutcome {
    const answers: LocalRR[] = []
    const additionals: LocalRR[] = []
    const seen = new Set<string>()
    let name = qkey
    for (let hop = 0; ; hop++) {
      seen.add(name)
      const step = this.step(d, name, qtype, answers, additionals)
      if ('end' in step) return step.end
      // a loop or too long a chain: answer with what we have (RFC 1034 3.6.2 leaves this to us)
      if (seen.has(step.next) || hop + 1 >= MAX_CNAME_HOPS) return positive(answers, additionals)
      name = step.next
    }
  }

  /** Resolves one name (the question or a CNAME target), appending to `answers` / `additionals`. */
  private step(d: ZoneData, name: string, qtype: number, answers: LocalRR[], additionals: LocalRR[]): Step {
    // RFC 4035 3.1.4.1: DS at a zone's apex is the parent's data; answer it from the parent zone when held
    const parent = qtype === TYPE_DS && d.isApex(name) ? parentKey(name) : undefined
    const apex = (parent !== undefined ? d.zoneOf(parent) : undefined) ?? d.zoneOf(name)
    if (apex === undefined) return this.outsideZones(d, name, qtype, answers, additionals)
    // Walk down from the apex towards the name: a cut or DNAME above it decides, and the first
    // missing label is where wildcards are looked for (RFC 1034 4.3.2 step 3).
    const path: string[] = []
    for (let k = name; k !== apex; k = parentKey(k) as string) path.push(k)
    const apexDname = name !== apex ? d.rrset(apex, TYPE_DNAME) : undefined
    if (apexDname) return this.dname(name, apex, apexDname, qtype, answers)
    for (let i = path.length - 1; i >= 0; i--) {
      const k = path[i]
      const node = d.nodeAt(k)
      if (!node) {
        if (d.exists(k)) continue // empty non-terminal
        const encloser = parentKey(k) as string
        const wild = d.nodeAt(encloser === '' ? '*' : '*.' + encloser)
        // RFC 4592 3.3.1: the source of synthesis is the wildcard child of the closest encloser
        if (wild) return this.atNode(d, apex, wild, name, qtype, answers, additionals)
        return { end: this.negative(d, apex, 'NXDOMAIN', answers) }
      }
      // RFC 1034 4.3.2 3b: NS below the apex is a zone cut; DS lives on the parent side (RFC 4035 3.1.4.1)
      if (node.has(TYPE_NS) && !(k === name && qtype === TYPE_DS)) return this.referral(d, apex, k, node, answers)
      if (k !== name) {
        const dn = node.get(TYPE_DNAME)
        if (dn) return this.dname(name, k, dn, qtype, answers)
      }
    }
    return this.atNode(d, apex, d.nodeAt(name), name, qtype, answers, additionals)
  }

  /** The answer at an existing name (or the wildcard standing for it, owners rewritten to `owner`). */
  private atNode(d: ZoneData, apex: string, node: ZoneNode | undefined, owner: string, qtype: number, answers: LocalRR[], additionals: LocalRR[]): Step {
    const cname = node?.get(TYPE_CNAME)
    if (cname && qtype !== TYPE_CNAME && qtype !== TYPE_ANY) {
      answers.push(...renamed(cname.rrs, owner))
      return { next: keyOfWire(cname.rdatas[0]) }
    }
    if (qtype === TYPE_ANY && node && node.sets().length > 0) {
      for (const set of this.anySets(node)) this.addSet(d, apex, set, owner, answers, additionals)
      return { end: positive(answers, additionals) }
    }
    const set = node?.get(qtype)
    if (!set) return { end: this.negative(d, apex, 'NOERROR', answers) }
    this.addSet(d, apex, set, owner, answers, additionals)
    return { end: positive(answers, additionals) }
  }

  /** RRsets answering ANY: all, or (RFC 8482 4.1) only the one of the lowest type number, as knotd picks (UDP and TCP). */
  private anySets(node: ZoneNode): RRset[] {
    const sets = node.sets()
    if (this.opts.minimalAny !== true || sets.length === 0) return sets
    return [sets.reduce((a, b) => (b.type < a.type ? b : a))]
  }

  /** Appends an RRset and, for MX, SRV, NS, SVCB and HTTPS, the in-zone addresses of its targets (RFC 1035 3.3.9, RFC 2782, RFC 9460 4). */
  private addSet(d: ZoneData, apex: string, set: RRset, owner: string, answers: LocalRR[], additionals: LocalRR[]): void {
    answers.push(...renamed(set.rrs, owner))
    const skip = ADDITIONAL_TARGET_AT[set.type] ?? -1
    if (skip < 0) return
    for (const rd of set.rdatas) {
      const target = keyOfWire(rd, skip)
      this.addAddresses(d, target, (z) => z === apex && !this.isOccluded(d, target, apex), additionals)
    }
  }

  private addAddresses(d: ZoneData, target: string, ok: (zone: string | undefined) => boolean, additionals: LocalRR[]): void {
    if (!ok(d.zoneOf(target))) return
    for (const type of [TYPE_A, TYPE_AAAA]) {
      const set = d.rrset(target, type)
      if (set && !additionals.some((r) => r.name === target && r.body.readUInt16BE(0) === type)) additionals.push(...set.rrs)
    }
  }

  /** True when a cut lies between the apex and `key` (data there is glue, not authoritative). */
  private isOccluded(d: ZoneData, key: string, apex: string): boolean {
    for (let k: string | undefined = key; k !== undefined && k !== apex; k = parentKey(k)) if (d.rrset(k, TYPE_NS)) return true
    return false
  }

  /**
   * RFC 1034 4.3.2 3b: AA=0, the cut's NS in authority; in additional the addresses of NS targets at or
   * below the cut (glue) or held authoritatively elsewhere in the zone, as knotd gives them.
   */
  private referral(d: ZoneData, apex: string, cut: string, node: ZoneNode, answers: LocalRR[]): Step {
    const ns = node.get(TYPE_NS) as RRset
    const glue: LocalRR[] = []
    for (const rd of ns.rdatas) {
      const target = keyOfWire(rd)
      const isGlue = isAtOrBelow(target, cut)
      this.addAddresses(d, target, (z) => isGlue || (z === apex && !this.isOccluded(d, target, apex)), glue)
    }
    // after a local CNAME the answer is still ours (AA for the first name, RFC 1034 6.2.7)
    return { end: { kind: 'answer', rcode: 'NOERROR', aa: answers.length > 0, answers, authorities: ns.rrs, additionals: glue } }
  }

  /** RFC 6672 3.2: the DNAME, a CNAME from the name to its substitution, then on to the new name. */
  private dname(name: string, owner: string, set: RRset, qtype: number, answers: LocalRR[]): Step {
    const target = keyOfWire(set.rdatas[0])
    const next = replaceSuffix(name, owner, target)
    const rdata = encodeName(next)
    // a DNAME met again on a chain is not repeated (RFC 2181 5: no duplicate RRs)
    if (!answers.includes(set.rrs[0])) answers.push(set.rrs[0])
    if (!rdata) return { end: { kind: 'answer', rcode: 'YXDOMAIN', aa: true, answers, authorities: [], additionals: [] } }
    answers.push({ name, body: rrBody(TYPE_CNAME, set.ttl, rdata), text: 'CNAME ' + next + '.' })
    // a CNAME question is answered by the synthesized CNAME itself, as a CNAME record would be
    return qtype === TYPE_CNAME ? { end: positive(answers, []) } : { next }
  }

  /** No local zone encloses the name: exact records (and CNAMEs) only, everything else forwarded. */
  private outsideZones(d: ZoneData, name: string, qtype: number, answers: LocalRR[], additionals: LocalRR[]): Step {
    const node = d.nodeAt(name)
    if (node) {
      const cname = node.get(TYPE_CNAME)
      if (cname && qtype !== TYPE_CNAME && qtype !== TYPE_ANY) {
        answers.push(...cname.rrs)
        return { next: keyOfWire(cname.rdatas[0]) }
      }
      const own = node.get(qtype)
      const sets = qtype === TYPE_ANY ? this.anySets(node) : own ? [own] : []
      if (sets.length > 0) {
        for (const set of sets) answers.push(...set.rrs)
        return { end: positive(answers, additionals) }
      }
    }
    const forward: LocalOutcome = { kind: 'forward', chain: answers, target: name, nodataOnMiss: d.exists(name) || answers.length > 0 }
    return { end: this.builtinOr(name, qtype, forward, answers) }
  }

  /** NXDOMAIN/NODATA with the SOA, TTL = min(SOA TTL, SOA MINIMUM) (RFC 2308 3); rcode for the last name (RFC 6604). */
  private negative(d: ZoneData, apex: string, rcode: 'NOERROR' | 'NXDOMAIN', answers: LocalRR[]): LocalOutcome {
    const soa = d.rrset(apex, TYPE_SOA) as RRset
    const rdata = soa.rdatas[0]
    const auth: LocalRR = { name: apex, body: rrBody(TYPE_SOA, Math.min(soa.ttl, soaMinimum(rdata)), rdata), text: soa.texts[0] }
    return { kind: 'answer', rcode, aa: true, answers, authorities: [auth], additionals: [] }
  }

  /** RFC 6761 6.3: localhost answers itself (A 127.0.0.1, AAAA ::1, NODATA otherwise); never forwarded. */
  private builtinOr(name: string, qtype: number, otherwise: LocalOutcome, chain: LocalRR[] = []): LocalOutcome {
    if (name !== 'localhost') return otherwise
    const answers = chain.slice()
    if (qtype === TYPE_A || qtype === TYPE_ANY) answers.push(localhostRR(TYPE_A))
    if (qtype === TYPE_AAAA || qtype === TYPE_ANY) answers.push(localhostRR(TYPE_AAAA))
    return positive(answers, [])
  }

  private use(index: RecordIndex): ZoneData {
    if (index !== this.index || !this.data) this.sync(index)
    return this.data as ZoneData
  }
}

/** Where the target name starts in the RDATA of types whose targets get addresses in the additional section. */
const ADDITIONAL_TARGET_AT: Partial<Record<number, number>> = { [TYPE_NS]: 0, [TYPE_MX]: 2, [TYPE_SRV]: 6, [TYPE_SVCB]: 2, [TYPE_HTTPS]: 2 }

function positive(answers: LocalRR[], additionals: LocalRR[]): LocalOutcome {
  return { kind: 'answer', rcode: 'NOERROR', aa: true, answers, authorities: [], additionals }
}

/** The wildcard node at the closest encloser of a name that does not exist (RFC 4592 3.3.1), if any. */
function wildcardFor(d: ZoneData, key: string): ZoneNode | undefined {
  for (let k = parentKey(key); k !== undefined; k = parentKey(k)) if (d.exists(k) || k === '') return d.nodeAt(k === '' ? '*' : '*.' + k)
  return undefined
}

/** RRs with their owner replaced (wildcard synthesis, RFC 4592 4.1); the same objects when it is already theirs. */
function renamed(rrs: LocalRR[], owner: string): LocalRR[] {
  if (rrs.length === 0 || rrs[0].name === owner) return rrs
  return rrs.map((r) => ({ name: owner, body: r.body, text: r.text, wildcard: r.name }))
}

function localhostRR(type: number): LocalRR {
  const rdata = type === TYPE_A ? (ipv4Bytes('127.0.0.1') as Buffer) : (ipv6Bytes('::1') as Buffer)
  return { name: 'localhost', body: rrBody(type, LOCALHOST_TTL, rdata), text: type === TYPE_A ? 'A 127.0.0.1' : 'AAAA ::1' }
}

/**
 * The address a reverse name stands for: `4.3.2.1.in-addr.arpa` -> `1.2.3.4`, 32 nibbles under
 * `ip6.arpa` -> IPv6 text. Undefined for anything else (partial names and leading zeros included:
 * `030.2.0.192.in-addr.arpa` is not the name of 192.0.2.30).
 */
export function addressOfReverseName(qkey: string): string | undefined {
  if (qkey.endsWith('.in-addr.arpa')) {
    const labels = qkey.slice(0, -'.in-addr.arpa'.length).split('.')
    if (labels.length !== 4 || !labels.every((l) => /^(0|[1-9]\d{0,2})$/.test(l) && Number(l) <= 255)) return undefined
    return labels.reverse().map(Number).join('.')
  }
  if (qkey.endsWith('.ip6.arpa')) {
    const nibbles = qkey.slice(0, -'.ip6.arpa'.length).split('.')
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined
    const hex = nibbles.reverse().join('')
    const groups: string[] = []
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4))
    return groups.join(':')
  }
  return undefined
}
