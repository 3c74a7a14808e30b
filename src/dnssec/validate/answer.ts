/**
 * Validates one forwarded reply (RFC 4035 5.3-5.4): every RRset of the answer verified with the keys of the
 * zone that signed it, a wildcard expansion backed by its denial, and a negative reply's NSEC/NSEC3 proof.
 * The verdict decides AD, SERVFAIL and the EDE code. Pure (I/O reaches it through the TrustChain's lookup).
 */
import { nsecNameError, nsecNoData, nsecWildcardAnswer } from './nsec.js'
import { nsec3NameError, nsec3NoData, nsec3WildcardAnswer } from './nsec3.js'
import { isSubdomain, labelCount, normName } from './names.js'
import { parseRrsig, readName, T, type Rr } from './records.js'
import { EDE, rrsets, sigsFor, verifyRrset } from './rrset.js'
import { verifiedDenial, type Reply, type TrustChain, type ZoneState } from './chain.js'
import type { Denial } from './denial.js'

export type Verdict =
  | { status: 'secure' }
  | { status: 'insecure'; reason: string }
  | { status: 'indeterminate' }
  | { status: 'bogus'; ede: number; reason: string }

const SECURE: Verdict = { status: 'secure' }

/** Worst first: bogus > indeterminate > insecure > secure. */
function combine(a: Verdict, b: Verdict): Verdict {
  const rank = { secure: 0, insecure: 1, indeterminate: 2, bogus: 3 }
  return rank[b.status] > rank[a.status] ? b : a
}

function fromState(s: Exclude<ZoneState, { kind: 'secure' }>): Verdict {
  if (s.kind === 'bogus') return { status: 'bogus', ede: s.ede, reason: s.reason }
  return s.kind === 'insecure' ? { status: 'insecure', reason: s.reason } : { status: 'indeterminate' }
}

/** The zone an RRset says signed it (the first RRSIG's signer), if any. */
function signerOf(sigs: readonly Rr[]): string | undefined {
  const s = sigs.length > 0 ? parseRrsig(sigs[0].rdata) : undefined
  return s ? normName(s.signer) : undefined
}

/** Verifies one RRset; returns the verdict and, for a wildcard expansion, the RRSIG label count. */
async function checkRrset(chain: TrustChain, set: Rr[], all: readonly Rr[]): Promise<{ verdict: Verdict; wildcardLabels?: number; zone?: string }> {
  const owner = set[0].name
  const sigs = sigsFor(all, owner, set[0].type)
  const signer = signerOf(sigs)
  // Unsigned: fine only where the chain shows an insecure zone.
  const state = await chain.stateOf(signer !== undefined && isSubdomain(owner, signer) ? signer : owner)
  if (state.kind !== 'secure') return { verdict: fromState(state) }
  if (signer === undefined || state.zone !== signer) {
    return { verdict: { status: 'bogus', ede: EDE.RRSIGS_MISSING, reason: `no valid RRSIG for ${owner || '.'} from ${state.zone || '.'}` } }
  }
  const check = verifyRrset(set, sigs, signer, state.keys, chain.nowSeconds(), chain.skewSeconds, chain.crypto)
  if (!check.ok) return { verdict: { status: 'bogus', ede: check.ede, reason: check.reason } }
  const wildcard = check.sig.labels < labelCount(owner) ? check.sig.labels : undefined
  return { verdict: SECURE, wildcardLabels: wildcard, zone: signer }
}

/** The name the CNAME chain from `qname` ends at, following only records in `answers`. */
function chainEnd(qname: string, answers: readonly Rr[]): string {
  let name = qname
  for (let hops = 0; hops < 16; hops++) {
    const cname = answers.find((r) => r.type === T.CNAME && r.name === name)
    const target = cname && readName(cname.rdata, 0)
    if (!target) break
    name = target[0]
  }
  return name
}

/** Validates `reply` to (qname, qtype). */
export async function validateReply(chain: TrustChain, qname: string, qtype: number, reply: Reply): Promise<Verdict> {
  const q = normName(qname)
  let verdict: Verdict = SECURE
  const dnames = reply.answers.filter((r) => r.type === T.DNAME)
  const wildcards: { owner: string; labels: number; zone: string }[] = []
  for (const set of rrsets(reply.answers)) {
    // RFC 6672 5.3.1: a CNAME synthesised from a DNAME carries no RRSIG; the DNAME's own is what counts.
    if (set[0].type === T.CNAME && sigsFor(reply.answers, set[0].name, T.CNAME).length === 0 && dnames.some((d) => isSubdomain(set[0].name, d.name) && set[0].name !== d.name)) continue
    const r = await checkRrset(chain, set, reply.answers)
    verdict = combine(verdict, r.verdict)
    if (r.wildcardLabels !== undefined && r.zone !== undefined) wildcards.push({ owner: set[0].name, labels: r.wildcardLabels, zone: r.zone })
  }
  const target = chainEnd(q, reply.answers)
  const answered = reply.answers.some((r) => r.name === target && (r.type === qtype || qtype === T.CNAME))
  const negative = reply.rcode === 'NXDOMAIN' || !answered
  if (verdict.status === 'bogus' || (wildcards.length === 0 && !negative)) return verdict
  // Wildcard expansions and negative answers need the zone's NSEC/NSEC3 proof from the authority section.
  const soa = reply.authorities.find((r) => r.type === T.SOA)
  const zoneName = wildcards[0]?.zone ?? signerOf(soa ? sigsFor(reply.authorities, soa.name, T.SOA) : reply.authorities.filter((r) => r.type === T.RRSIG)) ?? soa?.name ?? target
  const state = await chain.stateOf(zoneName)
  if (state.kind !== 'secure') return combine(verdict, fromState(state))
  if (state.zone !== zoneName || !isSubdomain(target, zoneName)) return { status: 'bogus', ede: EDE.NSEC_MISSING, reason: `no signed denial from ${state.zone || '.'} for ${target || '.'}` }
  const now = chain.nowSeconds()
  if (soa && negative) {
    const check = verifyRrset(reply.authorities.filter((r) => r.type === T.SOA), sigsFor(reply.authorities, soa.name, T.SOA), zoneName, state.keys, now, chain.skewSeconds, chain.crypto)
    if (!check.ok) return { status: 'bogus', ede: check.ede, reason: `SOA: ${check.reason}` }
  }
  const proof = verifiedDenial(zoneName, state.keys, reply.authorities, now, chain.skewSeconds, chain.crypto)
  if ('ede' in proof) return { status: 'bogus', ede: proof.ede, reason: proof.reason }
  const use3 = proof.nsec3.length > 0
  const proofs: Denial[] = wildcards.map((w) => (use3 ? nsec3WildcardAnswer(zoneName, w.owner, w.labels, proof.nsec3) : nsecWildcardAnswer(w.owner, proof.nsec)))
  if (negative && reply.rcode === 'NXDOMAIN') proofs.push(use3 ? nsec3NameError(zoneName, target, proof.nsec3) : nsecNameError(target, proof.nsec))
  else if (negative) proofs.push(use3 ? nsec3NoData(zoneName, target, qtype, proof.nsec3) : nsecNoData(target, qtype, proof.nsec))
  for (const d of proofs) {
    if (!d.ok) return { status: 'bogus', ede: EDE.NSEC_MISSING, reason: d.reason }
    if (d.insecure) verdict = combine(verdict, { status: 'insecure', reason: 'opt-out or costly NSEC3' })
  }
  return verdict
}
