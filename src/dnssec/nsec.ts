/**
 * NSEC RDATA (RFC 4034 4): the next owner name and the type bit maps (RFC 4034 4.1.2), for a full
 * chain over a zone (zone export) and for compact denial of existence (RFC 9824: an NSEC at the
 * query name, next name its immediate successor `\000.<name>`). Pure.
 */
import { compareCanonicalNames, canonicalName, wireLabels } from './canonical.js'

export const TYPE_RRSIG = 46
export const TYPE_NSEC = 47
export const TYPE_DNSKEY = 48
/** RFC 9824 2: the pseudo-type marking a compact-denial NSEC for a name that does not exist. */
export const TYPE_NXNAME = 128

/** RFC 4034 4.1.2: windows of 256 types, each a window number, a length and up to 32 bytes of bits. */
export function typeBitmap(types: Iterable<number>): Buffer {
  const sorted = [...new Set(types)].sort((a, b) => a - b)
  const parts: Buffer[] = []
  let i = 0
  while (i < sorted.length) {
    const win = sorted[i] >> 8
    const bits = Buffer.alloc(32)
    let len = 0
    for (; i < sorted.length && sorted[i] >> 8 === win; i++) {
      const low = sorted[i] & 0xff
      bits[low >> 3] |= 0x80 >> (low & 7)
      len = (low >> 3) + 1
    }
    parts.push(Buffer.from([win, len]), bits.subarray(0, len))
  }
  return Buffer.concat(parts)
}

/** The types of a type bit map, or undefined when it is malformed (RFC 4034 4.1.2: windows ascending, 1..32 bytes). */
export function parseTypeBitmap(b: Buffer): number[] | undefined {
  const out: number[] = []
  let i = 0
  let last = -1
  while (i < b.length) {
    if (i + 2 > b.length) return undefined
    const win = b[i]
    const len = b[i + 1]
    if (win <= last || len < 1 || len > 32 || i + 2 + len > b.length) return undefined
    for (let j = 0; j < len; j++) for (let k = 0; k < 8; k++) if (b[i + 2 + j] & (0x80 >> k)) out.push(win * 256 + j * 8 + k)
    last = win
    i += 2 + len
  }
  return out
}

/** NSEC RDATA: the next owner (as given: RFC 6840 5.1 keeps its case, we pass it lower-cased) and the bit map. */
export function nsecRdata(next: Buffer, types: Iterable<number>): Buffer {
  return Buffer.concat([next, typeBitmap(types)])
}

/** RFC 9824 3.1 (RFC 4471 3.1.2): the immediate successor of a name, `\000.<name>`; undefined when it would be too long. */
export function immediateSuccessor(owner: Buffer): Buffer | undefined {
  return owner.length + 2 > 255 ? undefined : Buffer.concat([Buffer.from([1, 0]), canonicalName(owner)])
}

export interface ChainNode {
  owner: Buffer
  /** Types at the name, without NSEC and RRSIG (added here for every authoritative name). */
  types: readonly number[]
}

/**
 * A full NSEC chain (RFC 4035 2.3): every name in canonical order, each pointing at the next and the
 * last at the apex (the first), its bit map listing its types plus RRSIG and NSEC. `nodes` are the
 * authoritative names and delegation points of one zone, apex included; glue is left out by the caller.
 */
export function nsecChain(nodes: readonly ChainNode[]): { owner: Buffer; rdata: Buffer }[] {
  const sorted = [...nodes].sort((a, b) => compareCanonicalNames(a.owner, b.owner))
  return sorted.map((n, i) => {
    const next = sorted[(i + 1) % sorted.length].owner
    return { owner: n.owner, rdata: nsecRdata(canonicalName(next), [...n.types, TYPE_RRSIG, TYPE_NSEC]) }
  })
}

/** The wire name of `labels` (leftmost first) under nothing (root-terminated). */
function joinLabels(labels: readonly Buffer[]): Buffer {
  const parts: Buffer[] = []
  for (const l of labels) parts.push(Buffer.from([l.length]), l)
  parts.push(Buffer.from([0]))
  return Buffer.concat(parts)
}

/**
 * A minimally covering NSEC for the wildcard proof of an answer to `qname` synthesized from the
 * wildcard at a closest encloser of `encloserLabels` labels (the RRSIG label count; RFC 4035 3.1.3.3,
 * 5.3.4): it covers the next closer name (the encloser plus one label of qname) and everything below
 * it, and shares no label with qname below the encloser, so a validator derives that closest encloser.
 * The owner approximates the name's predecessor (its first label with the last byte one less and
 * `\255` appended, RFC 4471 3.1.2 simplified), the next name is that label with `\000` appended.
 * Undefined when the first label cannot be bracketed (63 bytes ending in 0x00 or 0xff: left unproven).
 */
export function wildcardCover(qname: Buffer, encloserLabels: number): { owner: Buffer; next: Buffer } | undefined {
  const labels = wireLabels(canonicalName(qname))
  if (encloserLabels >= labels.length) return undefined
  const encloser = labels.slice(labels.length - encloserLabels)
  const first = labels[labels.length - encloserLabels - 1]
  const last = first[first.length - 1]
  if (first.length === 63 || last === 0 || last === 0xff) return undefined
  let lower = last - 1
  // a byte that would read as an upper-case letter compares as lower case (RFC 4034 6.1): step below 'A'
  if (lower >= 0x41 && lower <= 0x5a) lower = 0x40
  const before = Buffer.concat([first.subarray(0, first.length - 1), Buffer.from([lower, 0xff])])
  const after = Buffer.concat([first, Buffer.from([0])])
  return { owner: joinLabels([before, ...encloser]), next: joinLabels([after, ...encloser]) }
}
