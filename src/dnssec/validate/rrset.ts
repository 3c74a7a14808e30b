/**
 * RRset verification policy (RFC 4035 5.3): which RRSIGs may speak for an RRset, the validity window with a
 * clock-skew allowance (serial-number arithmetic, RFC 4034 3.1.5), and which DNSKEYs may have made them.
 * The cryptography comes in as a Crypto (src/dnssec's primitives in production). Pure.
 */
import { isSubdomain, labelCount, normName } from './names.js'
import { parseDnskey, parseRrsig, T, type Ds, type Rr, type Rrsig } from './records.js'

/** The primitives the validator needs; src/dnssec/validate/crypto.ts binds them to node:crypto. */
export interface Crypto {
  /** True when `sig` (RRSIG RDATA) over `rrset` verifies with the DNSKEY RDATA `key`. */
  verify(rrset: readonly Rr[], sig: Buffer, key: Buffer): boolean
  keyTag(key: Buffer): number
  /** True when the DS digest matches the DNSKEY RDATA at `owner`. */
  dsMatches(owner: string, key: Buffer, ds: Ds): boolean
  supportsAlgorithm(algorithm: number): boolean
  supportsDigest(digestType: number): boolean
}

/** RFC 8914 Extended DNS Error codes the validator reports. */
export const EDE = {
  UNSUPPORTED_DNSKEY_ALGORITHM: 1,
  DNSSEC_BOGUS: 6,
  SIGNATURE_EXPIRED: 7,
  SIGNATURE_NOT_YET_VALID: 8,
  DNSKEY_MISSING: 9,
  RRSIGS_MISSING: 10,
  NSEC_MISSING: 12,
  NETWORK_ERROR: 23,
} as const

export type RrsetCheck =
  | { ok: true; sig: Rrsig }
  | { ok: false; ede: number; reason: string }

/** Seconds in a signature window: serial arithmetic mod 2^32 (RFC 4034 3.1.5, RFC 1982). */
function serialLte(a: number, b: number): boolean {
  return a === b || ((b - a) >>> 0) < 0x80000000
}

/** Zone keys (RFC 4034 2.1.1: Zone Key flag set, protocol 3) among DNSKEY records. */
export function zoneKeys(keys: readonly Rr[]): Rr[] {
  return keys.filter((k) => {
    const d = parseDnskey(k.rdata)
    return d !== undefined && (d.flags & 0x0100) !== 0 && d.protocol === 3
  })
}

/** RRSIG records among `rrs` covering `type` at `owner`. */
export function sigsFor(rrs: readonly Rr[], owner: string, type: number): Rr[] {
  return rrs.filter((r) => r.type === T.RRSIG && r.name === owner && r.rdata.length >= 2 && r.rdata.readUInt16BE(0) === type)
}

/**
 * Verifies one RRset (same owner and type) against RRSIGs made by `zone` with `keys` (the zone's DNSKEYs).
 * `now` is seconds since the epoch. The first good signature wins; otherwise the most telling failure.
 */
export function verifyRrset(rrset: readonly Rr[], sigs: readonly Rr[], zone: string, keys: readonly Rr[], now: number, skewSeconds: number, crypto: Crypto): RrsetCheck {
  const owner = rrset[0]?.name ?? ''
  const candidates = keys.length > 0 ? zoneKeys(keys) : []
  let failure: { ede: number; reason: string } = { ede: EDE.RRSIGS_MISSING, reason: `no RRSIG by ${zone || '.'} for ${owner || '.'}` }
  const worse = (ede: number, reason: string): void => {
    // Prefer a concrete failure over "missing".
    if (failure.ede === EDE.RRSIGS_MISSING || ede === EDE.DNSSEC_BOGUS) failure = { ede, reason }
  }
  for (const r of sigs) {
    const sig = parseRrsig(r.rdata)
    if (!sig || normName(sig.signer) !== zone || !isSubdomain(owner, zone)) continue
    // RFC 4035 5.3.1: Labels can be at most the owner's label count (less for a wildcard expansion).
    const ownerLabels = labelCount(owner) - (owner.startsWith('*.') || owner === '*' ? 1 : 0)
    if (sig.labels > ownerLabels) {
      worse(EDE.DNSSEC_BOGUS, `RRSIG labels ${sig.labels} exceed the owner's`)
      continue
    }
    if (!crypto.supportsAlgorithm(sig.algorithm)) {
      worse(EDE.UNSUPPORTED_DNSKEY_ALGORITHM, `algorithm ${sig.algorithm} is not supported`)
      continue
    }
    if (!serialLte(now, (sig.expiration + skewSeconds) >>> 0)) {
      worse(EDE.SIGNATURE_EXPIRED, `RRSIG for ${owner || '.'} expired`)
      continue
    }
    if (!serialLte((sig.inception - skewSeconds) >>> 0, now)) {
      worse(EDE.SIGNATURE_NOT_YET_VALID, `RRSIG for ${owner || '.'} not yet valid`)
      continue
    }
    const matching = candidates.filter((k) => k.rdata[3] === sig.algorithm && crypto.keyTag(k.rdata) === sig.keyTag)
    if (matching.length === 0) {
      worse(EDE.DNSKEY_MISSING, `no DNSKEY ${sig.keyTag} in ${zone || '.'}`)
      continue
    }
    if (matching.some((k) => crypto.verify(rrset, r.rdata, k.rdata))) return { ok: true, sig }
    worse(EDE.DNSSEC_BOGUS, `RRSIG for ${owner || '.'} does not verify`)
  }
  return { ok: false, ...failure }
}

/** Groups records into RRsets by owner and type (RRSIGs left out), in order of first appearance. */
export function rrsets(rrs: readonly Rr[]): Rr[][] {
  const sets = new Map<string, Rr[]>()
  for (const r of rrs) {
    if (r.type === T.RRSIG) continue
    const k = `${r.name}/${r.type}`
    const s = sets.get(k)
    if (s) s.push(r)
    else sets.set(k, [r])
  }
  return [...sets.values()]
}
