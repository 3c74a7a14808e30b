/**
 * Authenticated denial with NSEC3 (RFC 5155 8): hashed owner names, the closest encloser proof, name
 * errors, no-data, DS no-data under opt-out, and wildcard answers. NSEC3 records given must already be
 * verified and belong to `zone`. Pure (node:crypto's SHA-1 only).
 */
import { createHash } from 'node:crypto'
import { PROVEN, unproven, type Denial } from './denial.js'
import { ancestorWithLabels, canonicalWire, childName, isSubdomain, labelCount, labelsOf, parentName } from './names.js'
import { T, type Nsec3 } from './records.js'

/**
 * Above this many extra iterations a denial counts as insecure rather than bogus: RFC 9276 3.2 lets a validator
 * cap the work an NSEC3 chain may ask for (BIND and Unbound use 150).
 */
export const MAX_NSEC3_ITERATIONS = 150
const SHA1 = 1
const B32HEX = '0123456789abcdefghijklmnopqrstuv'

/** RFC 4648 7 base32hex, lower case, no padding (the NSEC3 owner label). */
export function base32hex(data: Buffer): string {
  let out = ''
  let bits = 0
  let acc = 0
  for (const b of data) {
    acc = (acc << 8) | b
    bits += 8
    while (bits >= 5) {
      out += B32HEX[(acc >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += B32HEX[(acc << (5 - bits)) & 31]
  return out
}

/** Decodes base32hex (any case), undefined on a bad character. */
export function fromBase32hex(text: string): Buffer | undefined {
  const out: number[] = []
  let bits = 0
  let acc = 0
  for (const ch of text.toLowerCase()) {
    const v = B32HEX.indexOf(ch)
    if (v < 0) return undefined
    acc = ((acc << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

/** RFC 5155 5: IH(salt, x, 0) = H(x | salt); IH(salt, x, k) = H(IH(salt, x, k-1) | salt). */
export function nsec3Hash(name: string, salt: Buffer, iterations: number): Buffer {
  let h = createHash('sha1').update(canonicalWire(name)).update(salt).digest()
  for (let i = 0; i < iterations; i++) h = createHash('sha1').update(h).update(salt).digest()
  return h
}

/** A memo of hashes per name and parameters, for one proof. */
class Hasher {
  readonly #memo = new Map<string, Buffer>()
  hash(n: Nsec3, name: string): Buffer {
    const key = `${n.salt.toString('hex')}/${n.iterations}/${name}`
    let h = this.#memo.get(key)
    if (!h) this.#memo.set(key, (h = nsec3Hash(name, n.salt, n.iterations)))
    return h
  }
}

function ownerHash(n: Nsec3): Buffer | undefined {
  const first = labelsOf(n.owner)?.[0]
  return first ? fromBase32hex(first.toString('latin1')) : undefined
}

function matches(h: Hasher, n: Nsec3, name: string): boolean {
  const own = ownerHash(n)
  return own !== undefined && own.equals(h.hash(n, name))
}

/** The hash of `name` lies strictly between owner and next hash (the last NSEC3 wraps around). */
function covers(h: Hasher, n: Nsec3, name: string): boolean {
  const own = ownerHash(n)
  if (!own) return false
  const x = h.hash(n, name)
  const afterOwner = Buffer.compare(own, x) < 0
  const beforeNext = Buffer.compare(x, n.nextHash) < 0
  return Buffer.compare(own, n.nextHash) < 0 ? afterOwner && beforeNext : afterOwner || beforeNext
}

/** Records this validator understands, of the zone; `tooCostly` when every usable one asks too many iterations. */
function usable(zone: string, nsec3s: readonly Nsec3[]): { list: Nsec3[]; tooCostly: boolean } {
  const ours = nsec3s.filter((n) => n.hashAlgorithm === SHA1 && parentName(n.owner) === zone)
  const list = ours.filter((n) => n.iterations <= MAX_NSEC3_ITERATIONS)
  return { list, tooCostly: ours.length > 0 && list.length === 0 }
}

interface Encloser {
  closest: string
  /** One label longer than `closest` toward qname; undefined when qname itself matched. */
  nextCloser?: string
  /** The NSEC3 covering nextCloser. */
  cover?: Nsec3
}

/** RFC 5155 8.3: the longest existing ancestor (matched), whose child toward qname is covered. */
function closestEncloser(h: Hasher, zone: string, qname: string, list: readonly Nsec3[]): Encloser | string {
  for (let k = labelCount(qname); k >= labelCount(zone); k--) {
    const candidate = ancestorWithLabels(qname, k)
    const match = list.find((n) => matches(h, n, candidate))
    if (!match) continue
    if (candidate === qname) return { closest: candidate }
    // A matching NSEC3 at a cut or DNAME cannot be the closest encloser (RFC 5155 8.3).
    if ((match.types.has(T.NS) && !match.types.has(T.SOA)) || match.types.has(T.DNAME)) return `${candidate} is a delegation or DNAME`
    const nextCloser = ancestorWithLabels(qname, k + 1)
    const cover = list.find((n) => covers(h, n, nextCloser))
    return cover ? { closest: candidate, nextCloser, cover } : `no NSEC3 covers ${nextCloser}`
  }
  return `no NSEC3 matches an ancestor of ${qname}`
}

function withZone(zone: string, qname: string, nsec3s: readonly Nsec3[], proof: (h: Hasher, list: Nsec3[]) => Denial): Denial {
  if (!isSubdomain(qname, zone)) return unproven(`${qname} is outside ${zone || '.'}`)
  const { list, tooCostly } = usable(zone, nsec3s)
  if (tooCostly) return { ok: true, insecure: true }
  return proof(new Hasher(), list)
}

/** NXDOMAIN (RFC 5155 8.4): closest encloser proof, and the wildcard at the closest encloser is covered. */
export function nsec3NameError(zone: string, qname: string, nsec3s: readonly Nsec3[]): Denial {
  return withZone(zone, qname, nsec3s, (h, list) => {
    const ce = closestEncloser(h, zone, qname, list)
    if (typeof ce === 'string') return unproven(ce)
    if (!ce.cover) return unproven(`${qname} exists (its NSEC3 matches)`)
    const wildcard = childName('*', ce.closest)
    if (!list.some((n) => covers(h, n, wildcard))) return unproven(`no NSEC3 covers ${wildcard}`)
    // The next closer name may be an unsigned delegation inside an opt-out span: no AD then.
    return ce.cover.optOut ? { ok: true, insecure: true } : PROVEN
  })
}

function deniesType(n: Nsec3, qtype: number): Denial {
  if (n.types.has(qtype) || n.types.has(T.CNAME)) return unproven('the matching NSEC3 lists the type')
  if (qtype !== T.DS && n.types.has(T.NS) && !n.types.has(T.SOA)) return unproven('the matching NSEC3 is a delegation\'s')
  if (qtype === T.DS && n.types.has(T.SOA)) return unproven('the matching NSEC3 is the child zone\'s')
  return PROVEN
}

/** NODATA (RFC 5155 8.5-8.7): a matching NSEC3 without the type; DS under opt-out; or a wildcard without the type. */
export function nsec3NoData(zone: string, qname: string, qtype: number, nsec3s: readonly Nsec3[]): Denial {
  return withZone(zone, qname, nsec3s, (h, list) => {
    const match = list.find((n) => matches(h, n, qname))
    if (match) return deniesType(match, qtype)
    const ce = closestEncloser(h, zone, qname, list)
    if (typeof ce === 'string') return unproven(ce)
    // 8.6: no DS at an unsigned delegation inside an opt-out span.
    if (qtype === T.DS) return ce.cover?.optOut ? { ok: true, insecure: true } : unproven(`no NSEC3 matches ${qname}`)
    const wildcard = childName('*', ce.closest)
    const wild = list.find((n) => matches(h, n, wildcard))
    return wild ? deniesType(wild, qtype) : unproven(`no NSEC3 matches ${qname} or ${wildcard}`)
  })
}

/** A wildcard-expanded answer (RFC 5155 8.8): the next closer name below the wildcard's parent is covered. */
export function nsec3WildcardAnswer(zone: string, qname: string, rrsigLabels: number, nsec3s: readonly Nsec3[]): Denial {
  return withZone(zone, qname, nsec3s, (h, list) => {
    const nextCloser = ancestorWithLabels(qname, rrsigLabels + 1)
    const cover = list.find((n) => covers(h, n, nextCloser))
    if (!cover) return unproven(`no NSEC3 covers ${nextCloser}`)
    return cover.optOut ? { ok: true, insecure: true } : PROVEN
  })
}

/** The NSEC3 record whose owner is the hash of `name`, if any. */
export function nsec3Matching(name: string, nsec3s: readonly Nsec3[]): Nsec3 | undefined {
  const h = new Hasher()
  return nsec3s.find((n) => n.hashAlgorithm === SHA1 && matches(h, n, name))
}
