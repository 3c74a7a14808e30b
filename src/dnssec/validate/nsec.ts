/**
 * Authenticated denial with NSEC (RFC 4035 5.4, RFC 4034 4): name errors, no-data (including empty
 * non-terminals and wildcard no-data) and the proof that a wildcard-expanded answer had no exact match.
 * The NSEC records given must already be verified (signed by the zone). Pure.
 */
import { PROVEN, unproven, type Denial } from './denial.js'
import { childName, commonAncestor, compareNames, isSubdomain, labelCount } from './names.js'
import { T, type Nsec } from './records.js'

/** True when `name` falls strictly between the NSEC's owner and next name (the last NSEC wraps to the apex). */
export function nsecCovers(n: Nsec, name: string): boolean {
  if (compareNames(n.owner, name) >= 0) return false
  // The last NSEC of a zone points back to the apex (RFC 4034 4.1.1).
  if (compareNames(n.owner, n.next) >= 0) return isSubdomain(name, n.next)
  return compareNames(name, n.next) < 0
}

/** A covering NSEC at a zone cut (NS without SOA) or DNAME above `name` proves nothing about it (RFC 4035 5.4). */
function provesBelowCut(n: Nsec, name: string): boolean {
  if (!isSubdomain(name, n.owner) || n.owner === name) return false
  return (n.types.has(T.NS) && !n.types.has(T.SOA)) || n.types.has(T.DNAME)
}

function covering(nsecs: readonly Nsec[], name: string): Nsec | undefined {
  return nsecs.find((n) => nsecCovers(n, name) && !provesBelowCut(n, name))
}

/** The closest encloser a covering NSEC implies: the longer common ancestor of the name with owner or next. */
function closestEncloser(n: Nsec, name: string): string {
  const a = commonAncestor(name, n.owner)
  const b = commonAncestor(name, n.next)
  return labelCount(a) >= labelCount(b) ? a : b
}

/** NXDOMAIN: `qname` is covered, and so is the wildcard at its closest encloser. */
export function nsecNameError(qname: string, nsecs: readonly Nsec[]): Denial {
  const cover = covering(nsecs, qname)
  if (!cover) return unproven(`no NSEC covers ${qname}`)
  const wildcard = childName('*', closestEncloser(cover, qname))
  if (!covering(nsecs, wildcard)) return unproven(`no NSEC covers ${wildcard}`)
  return PROVEN
}

/** The type bitmap denies `qtype` at this owner (no CNAME either: that would have been answered). */
function deniesType(n: Nsec, qtype: number): Denial {
  if (n.types.has(qtype) || n.types.has(T.CNAME)) return unproven(`NSEC at ${n.owner || '.'} lists the type`)
  // A parent-side NSEC at a delegation speaks only for DS; a child apex NSEC never for DS (RFC 4035 5.4, 6840 4.1).
  if (qtype !== T.DS && n.types.has(T.NS) && !n.types.has(T.SOA)) return unproven(`NSEC at ${n.owner} is a delegation's`)
  if (qtype === T.DS && n.types.has(T.SOA) && n.owner !== '') return unproven(`NSEC at ${n.owner} is the child zone's`)
  return PROVEN
}

/** NODATA: an NSEC at qname without the type; an empty non-terminal; or a wildcard without the type. */
export function nsecNoData(qname: string, qtype: number, nsecs: readonly Nsec[]): Denial {
  const match = nsecs.find((n) => compareNames(n.owner, qname) === 0)
  if (match) return deniesType(match, qtype)
  const cover = covering(nsecs, qname)
  if (!cover) return unproven(`no NSEC matches or covers ${qname}`)
  // Empty non-terminal: qname has no NSEC, but the next name lies beneath it (RFC 4035 3.1.3.2).
  if (qtype !== T.DS && isSubdomain(cover.next, qname) && cover.next !== qname) return PROVEN
  const wildcard = childName('*', closestEncloser(cover, qname))
  const wild = nsecs.find((n) => compareNames(n.owner, wildcard) === 0)
  if (!wild) return unproven(`no NSEC for ${qname} or ${wildcard}`)
  return deniesType(wild, qtype)
}

/** A wildcard-expanded answer: qname itself must not exist (RFC 4035 5.3.4). */
export function nsecWildcardAnswer(qname: string, nsecs: readonly Nsec[]): Denial {
  return covering(nsecs, qname) ? PROVEN : unproven(`no NSEC proves ${qname} was expanded from a wildcard`)
}
