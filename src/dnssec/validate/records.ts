/**
 * The validator's view of resource records: owner, numeric type, TTL and wire RDATA, plus decoders for
 * the DNSSEC RDATA it reads (RRSIG, DNSKEY, DS: RFC 4034; NSEC: RFC 4034 4; NSEC3: RFC 5155 3). Pure.
 */
import { parseRrsigRdata, type RrsigFields } from '../canonical.js'
import { parseDnskeyRdata, type DnskeyFields } from '../keytag.js'
import { parseTypeBitmap } from '../nsec.js'
import { normName } from './names.js'

export const T = { A: 1, NS: 2, CNAME: 5, SOA: 6, TXT: 16, AAAA: 28, DNAME: 39, DS: 43, RRSIG: 46, NSEC: 47, DNSKEY: 48, NSEC3: 50, NSEC3PARAM: 51 } as const

/** One record; `name` normalised (lower case, no trailing dot, '' for the root); class IN implied. */
export interface Rr {
  name: string
  type: number
  ttl: number
  rdata: Buffer
}

/** RRSIG fields with the signer as normalised text. */
export type Rrsig = Omit<RrsigFields, 'signer'> & { signer: string; signature: Buffer }

export type Dnskey = DnskeyFields

export interface Ds {
  keyTag: number
  algorithm: number
  digestType: number
  digest: Buffer
}

export interface Nsec {
  owner: string
  next: string
  types: ReadonlySet<number>
}

export interface Nsec3 {
  owner: string
  hashAlgorithm: number
  optOut: boolean
  iterations: number
  salt: Buffer
  nextHash: Buffer
  types: ReadonlySet<number>
}

export function rr(name: string, type: number, ttl: number, rdata: Buffer): Rr {
  return { name: normName(name), type, ttl, rdata }
}

/** An uncompressed wire name at `off` (RDATA names are never compressed in DNSSEC types): [text, next offset]. */
export function readName(buf: Buffer, off: number): [string, number] | undefined {
  const labels: string[] = []
  for (let guard = 0; guard < 128; guard++) {
    const len = buf[off]
    if (len === undefined || len > 63 || off + 1 + len > buf.length) return undefined
    if (len === 0) return [labels.join('.').toLowerCase(), off + 1]
    labels.push(escapeLabel(buf.subarray(off + 1, off + 1 + len)))
    off += 1 + len
  }
  return undefined
}

function escapeLabel(l: Buffer): string {
  let s = ''
  for (const b of l) {
    if (b === 0x2e || b === 0x5c) s += `\\${String.fromCharCode(b)}`
    else if (b <= 0x20 || b >= 0x7f) s += `\\${String(b).padStart(3, '0')}`
    else s += String.fromCharCode(b)
  }
  return s
}

/** RFC 4034 4.1.2 type bit maps at `off` -> the set of types present. */
export function readTypeBitmap(buf: Buffer, off: number): Set<number> | undefined {
  const types = parseTypeBitmap(buf.subarray(off))
  return types && new Set(types)
}

export function parseRrsig(rdata: Buffer): Rrsig | undefined {
  const p = parseRrsigRdata(rdata)
  const signer = p && readName(p.fields.signer, 0)
  if (!p || !signer || p.signature.length === 0) return undefined
  return { ...p.fields, signer: signer[0], signature: p.signature }
}

/** DNSKEY RDATA fields (RFC 4034 2.1). */
export const parseDnskey = parseDnskeyRdata

export function parseDs(rdata: Buffer): Ds | undefined {
  if (rdata.length < 5) return undefined
  return { keyTag: rdata.readUInt16BE(0), algorithm: rdata[2], digestType: rdata[3], digest: rdata.subarray(4) }
}

export function parseNsec(r: Rr): Nsec | undefined {
  const next = readName(r.rdata, 0)
  const types = next && readTypeBitmap(r.rdata, next[1])
  return next && types ? { owner: r.name, next: next[0], types } : undefined
}

export function parseNsec3(r: Rr): Nsec3 | undefined {
  const b = r.rdata
  if (b.length < 5) return undefined
  const saltLen = b[4]
  const hashOff = 5 + saltLen
  if (hashOff >= b.length) return undefined
  const hashLen = b[hashOff]
  const typesOff = hashOff + 1 + hashLen
  if (hashLen === 0 || typesOff > b.length) return undefined
  const types = readTypeBitmap(b, typesOff)
  if (!types) return undefined
  return {
    owner: r.name,
    hashAlgorithm: b[0],
    optOut: (b[1] & 1) === 1,
    iterations: b.readUInt16BE(2),
    salt: b.subarray(5, hashOff),
    nextHash: b.subarray(hashOff + 1, typesOff),
    types,
  }
}

/** Records of `type` among `rrs` (the covered type for RRSIGs: see sigsFor). */
export function ofType(rrs: readonly Rr[], type: number): Rr[] {
  return rrs.filter((r) => r.type === type)
}
