/**
 * Online signing of one locally held zone (RFC 4035 3.1): for a query with DO set, the local answer
 * gets an RRSIG after every authoritative RRset, the DNSKEY RRset at the apex, and authenticated
 * denial by "compact denial of existence" (RFC 9824): no NSEC chain is kept; a name that does not
 * exist is answered NOERROR with an NSEC at the name whose bit map is RRSIG NSEC NXNAME, and NODATA
 * with an NSEC at the name listing the types it has, each NSEC's next name the name's immediate
 * successor. Signatures are cached per RRset (keyed by owner, type, TTL, label count and RDATAs, so
 * a changed record only misses its own RRset) and made anew once a quarter of their validity is left.
 * Pure: the clock comes in as an argument.
 */
import { isAtOrBelow, keyOfWire } from '../dns/local/names.js'
import type { LocalRR } from '../dns/local/zone-data.js'
import { encodeName } from '../dns/wire/rdata.js'
import { rrBody } from '../dns/wire/wire.js'
import { rrsigLabelCount } from './canonical.js'
import type { SigningKey } from './key-files.js'
import { immediateSuccessor, nsecRdata, wildcardCover, TYPE_DNSKEY, TYPE_NSEC, TYPE_NXNAME, TYPE_RRSIG } from './nsec.js'
import { signRRset } from './sign.js'
import { signersFor } from './zone-signer.js'

const TYPE_NS = 2
const TYPE_CNAME = 5
const TYPE_SOA = 6
const TYPE_DS = 43

/** Signatures are valid this long from their inception. */
export const SIGNATURE_VALIDITY_S = 14 * 86400
/** Inception this far in the past, for validators whose clock is behind ours. */
export const INCEPTION_SKEW_S = 3600
/** A signature is made anew once less than this share of its validity is left. */
export const REFRESH_REMAINING_SHARE = 0.25
/** TTL of the DNSKEY RRset. */
export const DNSKEY_TTL_S = 3600
/** Bound on cached signatures; past it the oldest entry makes room. */
export const MAX_CACHED_SIGNATURES = 50_000

/** A local answer (LocalOutcome kind 'answer') as the signer reads and returns it. */
export interface AnswerSections {
  rcode: 'NOERROR' | 'NXDOMAIN' | 'YXDOMAIN'
  aa: boolean
  answers: LocalRR[]
  authorities: LocalRR[]
  additionals: LocalRR[]
}

export interface SignedAnswer extends AnswerSections {
  /** Epoch ms from which a signature in it is due to be made anew (the fast path drops the bytes then). */
  refreshAt: number
}

interface CachedSigs {
  rdatas: Buffer[]
  texts: string[]
  refreshAt: number
}

/** The BIND timing fields that change what isPublished() or isActive() say. */
const KEY_EVENTS = ['Publish', 'Activate', 'Inactive', 'Delete'] as const

/** True when `key` may appear in the DNSKEY RRset at `nowS` (BIND timing: Publish reached, Delete not). */
export function isPublished(key: SigningKey, nowS: number): boolean {
  const t = key.timing
  return (t.Publish === undefined || t.Publish <= nowS) && (t.Delete === undefined || t.Delete > nowS)
}

/** True when `key` signs at `nowS` (Activate reached, Inactive and Delete not). */
export function isActive(key: SigningKey, nowS: number): boolean {
  const t = key.timing
  return isPublished(key, nowS) && (t.Activate === undefined || t.Activate <= nowS) && (t.Inactive === undefined || t.Inactive > nowS)
}

export class OnlineSigner {
  readonly zone: string
  private readonly zoneWire: Buffer
  private readonly cache = new Map<string, CachedSigs>()
  /** Signatures made (not served from the cache), for tests and metrics. */
  signed = 0

  /** `keys` all belong to `zone` (lookup-key form). */
  constructor(private readonly keys: readonly SigningKey[], zone?: string) {
    this.zone = zone ?? keys[0].zone
    this.zoneWire = encodeName(this.zone) as Buffer
  }

  /** True when `qkey` is at or below the signed zone's apex. */
  covers(qkey: string): boolean {
    return isAtOrBelow(qkey, this.zone)
  }

  /** The DNSKEY RRset as served at `nowMs`. */
  dnskeys(nowMs: number): LocalRR[] {
    const nowS = Math.floor(nowMs / 1000)
    return this.keys.filter((k) => isPublished(k, nowS)).map((k) => ({ name: this.zone, body: rrBody(TYPE_DNSKEY, DNSKEY_TTL_S, k.dnskeyRdata), text: `DNSKEY ${k.flags} 3 ${k.algorithm} (key tag ${k.keyTag})` }))
  }

  /**
   * The signed form of a local answer to `qkey`/`qtype` (which covers() holds for). `typesAt` gives
   * the types held at a name (or at the wildcard answering it), for NODATA bit maps.
   */
  sign(a: AnswerSections, qkey: string, qtype: number, typesAt: (key: string) => readonly number[], nowMs: number): SignedAnswer {
    const out = { refreshAt: Infinity }
    if (qtype === TYPE_DNSKEY && qkey === this.zone) {
      return { rcode: 'NOERROR', aa: true, answers: this.withSigs(this.dnskeys(nowMs), nowMs, out), authorities: [], additionals: a.additionals, refreshAt: out.refreshAt }
    }
    const last = finalName(qkey, a.answers)
    let rcode = a.rcode
    let authorities = a.authorities
    const soaFirst = authorities.length > 0 && typeOf(authorities[0]) === TYPE_SOA
    if (soaFirst && this.covers(last) && rcode !== 'YXDOMAIN') {
      // RFC 9824 3: NXDOMAIN becomes NOERROR with an NSEC proving only that the name has no types
      const types = rcode === 'NXDOMAIN' ? [TYPE_NXNAME] : [...typesAt(last), ...(last === this.zone ? [TYPE_DNSKEY] : [])]
      authorities = [...authorities, this.nsecAt(last, types, rrTtl(authorities[0]))]
      rcode = 'NOERROR'
    } else if (!a.aa || (authorities.length > 0 && typeOf(authorities[0]) === TYPE_NS)) {
      // a referral: the NS at the cut is the child's and stays unsigned (RFC 4035 2.2); without a DS an NSEC proves it is insecure
      const cut = authorities[0]?.name
      if (cut !== undefined && this.covers(cut) && !typesAt(cut).includes(TYPE_DS)) {
        authorities = [...authorities, this.nsecAt(cut, typesAt(cut), rrTtl(authorities[0]))]
      }
    }
    authorities = [...authorities, ...this.wildcardProofs(a.answers)]
    return {
      rcode,
      aa: a.aa,
      answers: this.withSigs(a.answers, nowMs, out),
      authorities: this.withSigs(authorities, nowMs, out),
      additionals: a.additionals,
      refreshAt: out.refreshAt,
    }
  }

  /** For each name answered from a wildcard in the zone, an NSEC proving the name itself does not exist (RFC 4035 3.1.3.3). */
  private wildcardProofs(answers: readonly LocalRR[]): LocalRR[] {
    const out: LocalRR[] = []
    for (const rr of answers) {
      if (rr.wildcard === undefined || !this.covers(rr.wildcard) || out.some((o) => o.text === 'NSEC ' + rr.name)) continue
      const cover = wildcardCover(encodeName(rr.name) as Buffer, rrsigLabelCount(encodeName(rr.wildcard) as Buffer))
      if (!cover) continue
      out.push({ name: keyOfWire(cover.owner), nameBytes: cover.owner, body: rrBody(TYPE_NSEC, rrTtl(rr), nsecRdata(cover.next, [TYPE_RRSIG, TYPE_NSEC])), text: 'NSEC ' + rr.name })
    }
    return out
  }

  /** An NSEC at `name` with next name `\000.name` (RFC 9824 3.1) and the given types plus RRSIG and NSEC. */
  private nsecAt(name: string, types: readonly number[], ttl: number): LocalRR {
    const owner = encodeName(name) as Buffer
    // a name too long for a successor label points at itself plus nothing: the bit map still denies
    const next = immediateSuccessor(owner) ?? owner
    return { name, body: rrBody(TYPE_NSEC, ttl, nsecRdata(next, [...types, TYPE_RRSIG, TYPE_NSEC])), text: 'NSEC' }
  }

  /** `rrs` with the RRSIGs of each RRset in the zone after it (NS of a cut excepted). */
  private withSigs(rrs: readonly LocalRR[], nowMs: number, out: { refreshAt: number }): LocalRR[] {
    const result: LocalRR[] = []
    for (let i = 0; i < rrs.length; ) {
      const first = rrs[i]
      const type = typeOf(first)
      let j = i + 1
      while (j < rrs.length && rrs[j].name === first.name && typeOf(rrs[j]) === type) j++
      const set = rrs.slice(i, j)
      result.push(...set)
      const source = first.wildcard ?? first.name
      const signable = this.covers(source) && type !== TYPE_RRSIG && !(type === TYPE_NS && first.name !== this.zone)
      if (signable) {
        const sigs = this.signatures(source, type, rrTtl(first), set, nowMs)
        out.refreshAt = Math.min(out.refreshAt, sigs.refreshAt)
        for (let k = 0; k < sigs.rdatas.length; k++) result.push({ name: first.name, body: rrBody(TYPE_RRSIG, rrTtl(first), sigs.rdatas[k]), text: sigs.texts[k] })
      }
      i = j
    }
    return result
  }

  private signatures(source: string, type: number, ttl: number, set: readonly LocalRR[], nowMs: number): CachedSigs {
    const rdatas = set.map((r) => r.body.subarray(10))
    let key = `${source}|${type}|${ttl}`
    for (const rd of rdatas) key += '|' + rd.toString('latin1')
    const hit = this.cache.get(key)
    if (hit && nowMs < hit.refreshAt) return hit
    const nowS = Math.floor(nowMs / 1000)
    const owner = encodeName(source) as Buffer
    const window = { inception: nowS - INCEPTION_SKEW_S, expiration: nowS + SIGNATURE_VALIDITY_S }
    const active = this.keys.filter((k) => isActive(k, nowS))
    // a key timing event reached while running changes the signers or the DNSKEY RRset: sign anew then, so no
    // signature of a deleted key is served (docs/dnssec.md, key rollover)
    const refreshAt = Math.min(nowMs + Math.floor((1 - REFRESH_REMAINING_SHARE) * SIGNATURE_VALIDITY_S) * 1000, this.nextKeyEventMs(nowS))
    const made: CachedSigs = { rdatas: [], texts: [], refreshAt }
    for (const k of signersFor(type, active)) {
      made.rdatas.push(signRRset({ owner, type, ttl, rdatas }, k, window))
      made.texts.push(`RRSIG ${type} ${k.algorithm} ${rrsigLabelCount(owner)} (key tag ${k.keyTag})`)
      this.signed++
    }
    this.cache.delete(key)
    if (this.cache.size >= MAX_CACHED_SIGNATURES) this.cache.delete(this.cache.keys().next().value as string)
    this.cache.set(key, made)
    return made
  }

  /** The first Publish, Activate, Inactive or Delete time of any key after `nowS`, in ms (Infinity: none). */
  private nextKeyEventMs(nowS: number): number {
    let next = Infinity
    for (const k of this.keys) {
      for (const name of KEY_EVENTS) {
        const at = k.timing[name]
        if (at !== undefined && at > nowS && at < next) next = at
      }
    }
    return next * 1000
  }

  /** Cached signature sets (for tests and diagnostics). */
  get cachedSets(): number {
    return this.cache.size
  }
}

function typeOf(rr: LocalRR): number {
  return rr.body.readUInt16BE(0)
}

function rrTtl(rr: LocalRR): number {
  return rr.body.readUInt32BE(4)
}

/** The name the answer ends at: the question, or the target of the last CNAME of the chain. */
function finalName(qkey: string, answers: readonly LocalRR[]): string {
  let name = qkey
  for (const rr of answers) if (typeOf(rr) === TYPE_CNAME && rr.name === name) name = keyOfWire(rr.body, 10)
  return name
}
