/**
 * What a forwarded answer looks like to a client by its DO and CD bits: DNSSEC records only for DO
 * (RFC 4035 3.2.1), and the Extended DNS Error option that explains a validation SERVFAIL (RFC 8914). Pure.
 */
import type { Answer } from 'dns-packet'

/** RFC 3225 3: DO in the EDNS flags. */
export const EDNS_FLAG_DO = 0x8000
/** RFC 4035 3.2.2: CD in the header flags. */
export const HEADER_FLAG_CD = 0x10
/** RFC 4035 3.2.3 / RFC 6840 5.7: AD in the header flags. */
export const HEADER_FLAG_AD = 0x20

/** RFC 6840 5.8: a validating resolver sets AD only for a query that had DO or AD set. */
export function mayCarryAd(headerFlags: number, ednsFlags: number | undefined): boolean {
  return (headerFlags & HEADER_FLAG_AD) !== 0 || ((ednsFlags ?? 0) & EDNS_FLAG_DO) !== 0
}
const EDE_OPTION = 15
const DNSSEC_TYPES = new Set(['RRSIG', 'NSEC', 'NSEC3'])

/** The records a client without DO gets: no RRSIG/NSEC/NSEC3 unless it asked for that type. */
export function withoutDnssec(rrs: readonly Answer[], qtype: string): Answer[] {
  return rrs.filter((r) => !DNSSEC_TYPES.has(r.type) || r.type === qtype.toUpperCase())
}

/** The EDNS option bytes of an Extended DNS Error: code 15, INFO-CODE, EXTRA-TEXT (bounded). */
export function edeOption(infoCode: number, text: string): Buffer {
  const extra = Buffer.from(text.slice(0, 200), 'utf8')
  const out = Buffer.alloc(6 + extra.length)
  out.writeUInt16BE(EDE_OPTION, 0)
  out.writeUInt16BE(2 + extra.length, 2)
  out.writeUInt16BE(infoCode, 4)
  extra.copy(out, 6)
  return out
}
