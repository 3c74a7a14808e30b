/**
 * DNSKEY RDATA (RFC 4034 2.1), its key tag (RFC 4034 Appendix B) and the DS record a parent
 * publishes for it (RFC 4034 5.1.4; SHA-256 RFC 4509, SHA-384 RFC 6605). Pure.
 */
import { createHash } from 'node:crypto'
import { canonicalName } from './canonical.js'

/** DNSKEY flags (RFC 4034 2.1.1): Zone Key, and Secure Entry Point (a KSK). */
export const DNSKEY_FLAG_ZONE = 0x0100
export const DNSKEY_FLAG_SEP = 0x0001
/** RFC 4034 2.1.2: the protocol field is always 3. */
export const DNSKEY_PROTOCOL = 3

/** DS digest types we compute (IANA "Delegation Signer Digest Algorithms"). */
export type DsDigestType = 2 | 4
const DIGESTS: Readonly<Record<DsDigestType, string>> = { 2: 'sha256', 4: 'sha384' }

export interface DnskeyFields {
  flags: number
  protocol: number
  algorithm: number
  publicKey: Buffer
}

export function encodeDnskeyRdata(k: DnskeyFields): Buffer {
  const head = Buffer.allocUnsafe(4)
  head.writeUInt16BE(k.flags, 0)
  head[2] = k.protocol
  head[3] = k.algorithm
  return Buffer.concat([head, k.publicKey])
}

/** The fields of DNSKEY RDATA, or undefined when it is shorter than its fixed part plus one key byte. */
export function parseDnskeyRdata(rdata: Buffer): DnskeyFields | undefined {
  if (rdata.length < 5) return undefined
  return { flags: rdata.readUInt16BE(0), protocol: rdata[2], algorithm: rdata[3], publicKey: rdata.subarray(4) }
}

/** RFC 4034 Appendix B: the 16-bit ones'-complement-like sum over the DNSKEY RDATA (algorithm 1 excepted, not supported). */
export function keyTag(dnskeyRdata: Buffer): number {
  let ac = 0
  for (let i = 0; i < dnskeyRdata.length; i++) ac += i & 1 ? dnskeyRdata[i] : dnskeyRdata[i] << 8
  ac += (ac >>> 16) & 0xffff
  return ac & 0xffff
}

/** RFC 4034 5.1.4: digest = hash(canonical owner name | DNSKEY RDATA). */
export function dsDigest(owner: Buffer, dnskeyRdata: Buffer, digestType: DsDigestType): Buffer {
  return createHash(DIGESTS[digestType]).update(canonicalName(owner)).update(dnskeyRdata).digest()
}

/** The DS RDATA (RFC 4034 5.1) for a DNSKEY of `owner`. */
export function dsRdata(owner: Buffer, dnskeyRdata: Buffer, digestType: DsDigestType): Buffer {
  const head = Buffer.allocUnsafe(4)
  head.writeUInt16BE(keyTag(dnskeyRdata), 0)
  head[2] = dnskeyRdata[3]
  head[3] = digestType
  return Buffer.concat([head, dsDigest(owner, dnskeyRdata, digestType)])
}

/** DS RDATA in presentation form: `tag alg digest-type HEX` (upper-case hex, as dnssec-dsfromkey writes it). */
export function dsText(ds: Buffer): string {
  return `${ds.readUInt16BE(0)} ${ds[2]} ${ds[3]} ${ds.subarray(4).toString('hex').toUpperCase()}`
}
