/**
 * DNSSEC canonical form (RFC 4034 6) and the RRSIG signing input (RFC 4034 3.1.8.1): names
 * lower-cased, RDATA names lower-cased for the types of RFC 4034 6.2 as corrected by RFC 6840 5.1
 * (NSEC's next name keeps its case), RRs sorted by RDATA, and the wildcard owner rebuilt from the
 * RRSIG label count (RFC 4035 5.3.2). Names here are uncompressed wire names, as src/dns/wire encodes
 * them. Pure.
 */
import { encodeName } from '../dns/wire/rdata.js'
import { CLASS_IN } from '../dns/wire/wire.js'

/** The RRSIG RDATA fields ahead of the signature (RFC 4034 3.1). Times are seconds, modulo 2^32. */
export interface RrsigFields {
  typeCovered: number
  algorithm: number
  labels: number
  originalTtl: number
  expiration: number
  inception: number
  keyTag: number
  /** The signer (zone apex) as an uncompressed wire name. */
  signer: Buffer
}

/** A name in RDATA; a number skips that many fixed bytes; 's' skips a <character-string>. */
type Step = 'n' | 's' | number

/**
 * Where the names are in the RDATA of the types of RFC 4034 6.2 (RFC 6840 5.1 drops NSEC; HINFO,
 * listed there, holds no names). A6 (38) is left out: obsolete (RFC 6563) and never served by us.
 */
const NAME_LAYOUT: Readonly<Partial<Record<number, readonly Step[]>>> = {
  2: ['n'], 3: ['n'], 4: ['n'], 5: ['n'], 6: ['n', 'n'], 7: ['n'], 8: ['n'], 9: ['n'], 12: ['n'],
  14: ['n', 'n'], 15: [2, 'n'], 17: ['n', 'n'], 18: [2, 'n'], 21: [2, 'n'], 24: [18, 'n'], 26: [2, 'n', 'n'],
  30: ['n'], 33: [6, 'n'], 35: [4, 's', 's', 's', 'n'], 36: [2, 'n'], 39: ['n'], 46: [18, 'n'],
}

/** ASCII letters of the labels of the wire name at `at` lower-cased in place; the offset after it, or -1. */
function lowerNameAt(b: Buffer, at: number): number {
  let i = at
  for (;;) {
    if (i >= b.length) return -1
    const len = b[i]
    if (len === 0) return i + 1
    if (len > 63 || i + 1 + len > b.length) return -1
    for (let j = i + 1; j <= i + len; j++) if (b[j] >= 0x41 && b[j] <= 0x5a) b[j] |= 0x20
    i += 1 + len
  }
}

/** A copy of a wire name in canonical (lower-case) form (RFC 4034 6.2). */
export function canonicalName(wire: Buffer): Buffer {
  const out = Buffer.from(wire)
  lowerNameAt(out, 0)
  return out
}

/** RDATA in canonical form: a copy with its embedded names lower-cased where RFC 4034 6.2 / RFC 6840 5.1 say so. */
export function canonicalRdata(type: number, rdata: Buffer): Buffer {
  const out = Buffer.from(rdata)
  const layout = NAME_LAYOUT[type]
  if (!layout) return out
  let i = 0
  for (const step of layout) {
    if (step === 'n') i = lowerNameAt(out, i)
    else if (step === 's') i = i < out.length ? i + 1 + out[i] : -1
    else i += step
    // malformed RDATA is signed as it is: the copy keeps whatever was not reached
    if (i < 0 || i > out.length) return out
  }
  return out
}

/** The labels of a wire name, leftmost first (no root label). */
export function wireLabels(wire: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < wire.length && wire[i] !== 0; i += 1 + wire[i]) out.push(wire.subarray(i + 1, i + 1 + wire[i]))
  return out
}

/** RFC 4034 3.1.3: the RRSIG label count, not counting the root nor a leading `*` label. */
export function rrsigLabelCount(wire: Buffer): number {
  const labels = wireLabels(wire)
  return labels.length > 0 && labels[0].length === 1 && labels[0][0] === 0x2a ? labels.length - 1 : labels.length
}

/** Same, for a name in lookup-key form (`*.example.com`, '' = root); undefined when it does not encode. */
export function labelCountOfKey(key: string): number | undefined {
  const wire = encodeName(key)
  return wire ? rrsigLabelCount(wire) : undefined
}

function lowerByte(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b
}

/**
 * RFC 4034 6.1 canonical name order: compared label by label from the rightmost, each label as
 * lower-cased unsigned bytes, a shorter label (and a name with fewer labels) sorting first.
 */
export function compareCanonicalNames(a: Buffer, b: Buffer): number {
  const la = wireLabels(a)
  const lb = wireLabels(b)
  for (let i = 1; i <= Math.min(la.length, lb.length); i++) {
    const x = la[la.length - i]
    const y = lb[lb.length - i]
    for (let j = 0; j < Math.min(x.length, y.length); j++) {
      const d = lowerByte(x[j]) - lowerByte(y[j])
      if (d !== 0) return d
    }
    if (x.length !== y.length) return x.length - y.length
  }
  return la.length - lb.length
}

/** RFC 4034 6.3: the RDATAs of one RRset in canonical form, sorted as unsigned bytes, duplicates removed. */
export function canonicalRdatas(type: number, rdatas: readonly Buffer[]): Buffer[] {
  const sorted = rdatas.map((r) => canonicalRdata(type, r)).sort(Buffer.compare)
  return sorted.filter((r, i) => i === 0 || !r.equals(sorted[i - 1]))
}

/** RRSIG RDATA up to (not including) the signature, the signer lower-cased (RFC 4034 3.1.7, 6.2). */
export function rrsigHeader(f: RrsigFields): Buffer {
  const head = Buffer.allocUnsafe(18)
  head.writeUInt16BE(f.typeCovered, 0)
  head[2] = f.algorithm
  head[3] = f.labels
  head.writeUInt32BE(f.originalTtl >>> 0, 4)
  head.writeUInt32BE(f.expiration >>> 0, 8)
  head.writeUInt32BE(f.inception >>> 0, 12)
  head.writeUInt16BE(f.keyTag, 16)
  return Buffer.concat([head, canonicalName(f.signer)])
}

/** The whole RRSIG RDATA. */
export function encodeRrsigRdata(f: RrsigFields, signature: Buffer): Buffer {
  return Buffer.concat([rrsigHeader(f), signature])
}

/** The fields and signature of RRSIG RDATA, or undefined when it is malformed. */
export function parseRrsigRdata(rdata: Buffer): { fields: RrsigFields; signature: Buffer } | undefined {
  if (rdata.length < 19) return undefined
  let i = 18
  for (;;) {
    if (i >= rdata.length) return undefined
    const len = rdata[i]
    if (len === 0) break
    if (len > 63) return undefined
    i += 1 + len
  }
  const fields: RrsigFields = {
    typeCovered: rdata.readUInt16BE(0),
    algorithm: rdata[2],
    labels: rdata[3],
    originalTtl: rdata.readUInt32BE(4),
    expiration: rdata.readUInt32BE(8),
    inception: rdata.readUInt32BE(12),
    keyTag: rdata.readUInt16BE(16),
    signer: rdata.subarray(18, i + 1),
  }
  return { fields, signature: rdata.subarray(i + 1) }
}

/**
 * The owner as signed (RFC 4035 5.3.2): lower-cased, and when the RRSIG counts fewer labels than the
 * owner has (wildcard synthesis), `*.` plus its rightmost `labels` labels. Undefined when the label
 * count is more than the owner has.
 */
export function signedOwner(owner: Buffer, labels: number): Buffer | undefined {
  const all = wireLabels(owner)
  if (labels > all.length) return undefined
  if (labels === all.length) return canonicalName(owner)
  const kept = all.slice(all.length - labels)
  const parts: Buffer[] = [Buffer.from([1, 0x2a])]
  for (const l of kept) parts.push(Buffer.from([l.length]), l)
  parts.push(Buffer.from([0]))
  return canonicalName(Buffer.concat(parts))
}

/**
 * RFC 4034 3.1.8.1: RRSIG_RDATA (without the signature) | RR(1) | RR(2) ..., each RR being
 * owner | type | class | original TTL | RDLENGTH | RDATA in canonical form and order. `owner` is the
 * RRset's owner as answered (for a wildcard answer the query name); undefined when the label count
 * does not fit it.
 */
export function signingInput(f: RrsigFields, owner: Buffer, rdatas: readonly Buffer[], rrclass: number = CLASS_IN): Buffer | undefined {
  const name = signedOwner(owner, f.labels)
  if (!name) return undefined
  const parts: Buffer[] = [rrsigHeader(f)]
  for (const rd of canonicalRdatas(f.typeCovered, rdatas)) {
    const fixed = Buffer.allocUnsafe(10)
    fixed.writeUInt16BE(f.typeCovered, 0)
    fixed.writeUInt16BE(rrclass, 2)
    fixed.writeUInt32BE(f.originalTtl >>> 0, 4)
    fixed.writeUInt16BE(rd.length, 8)
    parts.push(name, fixed, rd)
  }
  return Buffer.concat(parts)
}
