/**
 * The chain of trust (RFC 4035 5): from a trust anchor down to the zone that signed an answer, one label at
 * a time, asking DS at each name and DNSKEY at each zone cut found. Each name's state is cached, bounded,
 * for the shortest TTL of the records that proved it. I/O comes in as `lookup`; time as `now`. Pure.
 */
import { nsecNameError, nsecNoData } from './nsec.js'
import { nsec3Matching, nsec3NameError, nsec3NoData } from './nsec3.js'
import { ancestorWithLabels, isSubdomain, labelCount } from './names.js'
import { parseDs, parseNsec, parseNsec3, T, type Ds, type Rr } from './records.js'
import { EDE, rrsets, sigsFor, verifyRrset, type Crypto } from './rrset.js'
import type { TrustAnchor } from './trust-anchors.js'
import type { Denial } from './denial.js'

/** A reply from the upstreams, in the validator's terms. */
export interface Reply {
  rcode: 'NOERROR' | 'NXDOMAIN'
  answers: Rr[]
  authorities: Rr[]
}

/** Asks the upstreams (with DO and CD); undefined when none answered. */
export type Lookup = (name: string, type: number) => Promise<Reply | undefined>

/** What is known of the zone a name lies in. */
export type ZoneState =
  | { kind: 'secure'; zone: string; keys: Rr[] }
  | { kind: 'insecure'; reason: string }
  | { kind: 'bogus'; ede: number; reason: string }
  /** No trust anchor above the name (RFC 4033 5: answered as is). */
  | { kind: 'indeterminate' }

export interface ChainOptions {
  anchors: readonly TrustAnchor[]
  crypto: Crypto
  lookup: Lookup
  /** Epoch ms. */
  now: () => number
  skewSeconds: number
  /** Names whose state is kept; default 4096. */
  maxEntries?: number
  /** Upper bound on how long a state is kept, seconds; default 3600. */
  maxTtlSeconds?: number
  /** How long a bogus state is kept, seconds (RFC 4035 4.7 asks for a limit); default 60. */
  bogusTtlSeconds?: number
}

const DEFAULT_MAX_ENTRIES = 4096

export class TrustChain {
  readonly #o: ChainOptions
  readonly #cache = new Map<string, { state: Promise<ZoneState>; until: number }>()
  /** Chain lookups sent upstream (DS and DNSKEY), for the cost figures. */
  lookups = 0

  constructor(o: ChainOptions) {
    this.#o = o
  }

  nowSeconds(): number {
    return Math.floor(this.#o.now() / 1000)
  }

  get crypto(): Crypto {
    return this.#o.crypto
  }

  get skewSeconds(): number {
    return this.#o.skewSeconds
  }

  /** Cached entries (bounded by maxEntries). */
  get size(): number {
    return this.#cache.size
  }

  /** The state of the zone `name` lies in, as far as the chain from its closest trust anchor goes. */
  stateOf(name: string): Promise<ZoneState> {
    const anchor = this.#closestAnchor(name)
    if (anchor === undefined) return Promise.resolve({ kind: 'indeterminate' })
    const now = this.#o.now()
    const hit = this.#cache.get(name)
    if (hit && hit.until > now) return hit.state
    const entry = { state: Promise.resolve<ZoneState>({ kind: 'indeterminate' }), until: Number.POSITIVE_INFINITY }
    entry.state = this.#compute(name, anchor).then(({ state, ttl }) => {
      const bound = state.kind === 'bogus' ? (this.#o.bogusTtlSeconds ?? 60) : (this.#o.maxTtlSeconds ?? 3600)
      entry.until = this.#o.now() + Math.min(ttl, bound) * 1000
      return state
    })
    this.#cache.delete(name)
    this.#cache.set(name, entry)
    // Bounded: the oldest-inserted entry goes first.
    while (this.#cache.size > (this.#o.maxEntries ?? DEFAULT_MAX_ENTRIES)) this.#cache.delete(this.#cache.keys().next().value as string)
    return entry.state
  }

  #closestAnchor(name: string): string | undefined {
    let best: string | undefined
    for (const a of this.#o.anchors) {
      if (isSubdomain(name, a.zone) && (best === undefined || labelCount(a.zone) > labelCount(best))) best = a.zone
    }
    return best
  }

  async #compute(name: string, anchor: string): Promise<{ state: ZoneState; ttl: number }> {
    if (name === anchor) return this.#anchorKeys(anchor)
    const parent = await this.stateOf(ancestorWithLabels(name, labelCount(name) - 1))
    if (parent.kind !== 'secure') return { state: parent, ttl: 60 }
    return this.#descend(parent, name)
  }

  async #lookup(name: string, type: number): Promise<Reply | undefined> {
    this.lookups++
    return this.#o.lookup(name, type)
  }

  /** The anchor zone's DNSKEY RRset, trusted when a key matches an anchor and signs the set. */
  async #anchorKeys(zone: string): Promise<{ state: ZoneState; ttl: number }> {
    const anchors = this.#o.anchors.filter((a) => a.zone === zone)
    const dsList = anchors.filter((a) => a.type === T.DS).map((a) => parseDs(a.rdata)).filter((d): d is Ds => d !== undefined)
    const keyRdatas = anchors.filter((a) => a.type === T.DNSKEY).map((a) => a.rdata)
    return this.#keysByDs(zone, dsList, keyRdatas, 'trust anchor')
  }

  /** Fetches `zone`'s DNSKEY RRset and accepts it when a key named by the DS set (or given) signs it. */
  async #keysByDs(zone: string, dsList: readonly Ds[], trustedKeys: readonly Buffer[], what: string): Promise<{ state: ZoneState; ttl: number }> {
    const c = this.#o.crypto
    const usable = dsList.filter((d) => c.supportsAlgorithm(d.algorithm) && c.supportsDigest(d.digestType))
    // RFC 4035 5.2: a DS set with no supported algorithm (or digest) makes the zone insecure, not bogus.
    if (dsList.length > 0 && usable.length === 0 && trustedKeys.length === 0) {
      return { state: { kind: 'insecure', reason: `${zone || '.'}: no supported DS algorithm` }, ttl: 3600 }
    }
    const reply = await this.#lookup(zone, T.DNSKEY)
    if (!reply) return { state: { kind: 'bogus', ede: EDE.DNSKEY_MISSING, reason: `DNSKEY ${zone || '.'}: no answer` }, ttl: 60 }
    const keys = reply.answers.filter((r) => r.type === T.DNSKEY && r.name === zone)
    const trusted = keys.filter((k) => trustedKeys.some((t) => t.equals(k.rdata)) || usable.some((d) => d.keyTag === c.keyTag(k.rdata) && d.algorithm === k.rdata[3] && c.dsMatches(zone, k.rdata, d)))
    if (trusted.length === 0) return { state: { kind: 'bogus', ede: EDE.DNSKEY_MISSING, reason: `DNSKEY ${zone || '.'}: no key matches the ${what}` }, ttl: 60 }
    const check = verifyRrset(keys, sigsFor(reply.answers, zone, T.DNSKEY), zone, trusted, this.nowSeconds(), this.#o.skewSeconds, c)
    if (!check.ok) return { state: { kind: 'bogus', ede: check.ede, reason: `DNSKEY ${zone || '.'}: ${check.reason}` }, ttl: 60 }
    return { state: { kind: 'secure', zone, keys }, ttl: minTtl(keys) }
  }

  /** One step down: a DS at `name` makes it a secure zone; a proven absence makes it insecure or no cut at all. */
  async #descend(parent: Extract<ZoneState, { kind: 'secure' }>, name: string): Promise<{ state: ZoneState; ttl: number }> {
    const reply = await this.#lookup(name, T.DS)
    if (!reply) return { state: { kind: 'bogus', ede: EDE.NETWORK_ERROR, reason: `DS ${name}: no answer` }, ttl: 60 }
    const ds = reply.answers.filter((r) => r.type === T.DS && r.name === name)
    const bogus = (ede: number, reason: string): { state: ZoneState; ttl: number } => ({ state: { kind: 'bogus', ede, reason: `DS ${name}: ${reason}` }, ttl: 60 })
    if (ds.length > 0) {
      const check = verifyRrset(ds, sigsFor(reply.answers, name, T.DS), parent.zone, parent.keys, this.nowSeconds(), this.#o.skewSeconds, this.#o.crypto)
      if (!check.ok) return bogus(check.ede, check.reason)
      const dsList = ds.map((r) => parseDs(r.rdata)).filter((d): d is Ds => d !== undefined)
      const below = await this.#keysByDs(name, dsList, [], 'DS')
      return { state: below.state, ttl: Math.min(below.ttl, minTtl(ds)) }
    }
    // An alias is no zone cut: the name stays in the parent's zone.
    if (reply.answers.some((r) => r.type === T.CNAME && r.name === name)) return { state: parent, ttl: minTtl(reply.answers) }
    const proof = verifiedDenial(parent.zone, parent.keys, reply.authorities, this.nowSeconds(), this.#o.skewSeconds, this.#o.crypto)
    if ('ede' in proof) return bogus(proof.ede, proof.reason)
    const ttl = minTtl(reply.authorities)
    if (reply.rcode === 'NXDOMAIN') {
      const d = proof.nsec3.length > 0 ? nsec3NameError(parent.zone, name, proof.nsec3) : nsecNameError(name, proof.nsec)
      return d.ok ? { state: d.insecure ? { kind: 'insecure', reason: `${name}: opt-out` } : parent, ttl } : bogus(EDE.NSEC_MISSING, d.reason)
    }
    const d: Denial = proof.nsec3.length > 0 ? nsec3NoData(parent.zone, name, T.DS, proof.nsec3) : nsecNoData(name, T.DS, proof.nsec)
    if (!d.ok) return bogus(EDE.NSEC_MISSING, d.reason)
    if (d.insecure) return { state: { kind: 'insecure', reason: `${name}: unsigned delegation (opt-out)` }, ttl }
    // A delegation without DS is an insecure zone (RFC 4035 5.2); a name without NS is inside the parent zone.
    return { state: proof.delegation(name) ? { kind: 'insecure', reason: `${name}: unsigned delegation` } : parent, ttl }
  }
}

/** The verified NSEC/NSEC3 records of `zone` among `authorities`, or the failure. */
export function verifiedDenial(zone: string, keys: readonly Rr[], authorities: readonly Rr[], now: number, skew: number, crypto: Crypto):
  { nsec: NonNullable<ReturnType<typeof parseNsec>>[]; nsec3: NonNullable<ReturnType<typeof parseNsec3>>[]; delegation: (name: string) => boolean } | { ede: number; reason: string } {
  const sets = rrsets(authorities).filter((s) => (s[0].type === T.NSEC || s[0].type === T.NSEC3) && isSubdomain(s[0].name, zone))
  if (sets.length === 0) return { ede: EDE.NSEC_MISSING, reason: `no NSEC or NSEC3 from ${zone || '.'}` }
  for (const s of sets) {
    const check = verifyRrset(s, sigsFor(authorities, s[0].name, s[0].type), zone, keys, now, skew, crypto)
    if (!check.ok) return { ede: check.ede, reason: `${s[0].type === T.NSEC ? 'NSEC' : 'NSEC3'} ${s[0].name}: ${check.reason}` }
  }
  const flat = sets.flat()
  const nsec = flat.filter((r) => r.type === T.NSEC).map(parseNsec).filter((n) => n !== undefined)
  const nsec3 = flat.filter((r) => r.type === T.NSEC3).map(parseNsec3).filter((n) => n !== undefined)
  const delegation = (name: string): boolean => {
    const own = nsec.find((n) => n.owner === name)
    if (own) return own.types.has(T.NS)
    // Without a matching NSEC3 (opt-out) the caller has already decided.
    return nsec3Matching(name, nsec3)?.types.has(T.NS) === true
  }
  return { nsec, nsec3, delegation }
}

export function minTtl(rrs: readonly Rr[]): number {
  return rrs.reduce((m, r) => Math.min(m, r.ttl), 3600)
}
