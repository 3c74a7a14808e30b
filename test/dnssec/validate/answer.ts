import t from 'tap'
import { TrustChain, type Lookup } from '../../../src/dnssec/validate/chain.js'
import { nodeCrypto } from '../../../src/dnssec/validate/crypto.js'
import { validateReply } from '../../../src/dnssec/validate/answer.js'
import { rr, T, type Rr } from '../../../src/dnssec/validate/records.js'
import { EDE } from '../../../src/dnssec/validate/rrset.js'
import type { TrustAnchor } from '../../../src/dnssec/validate/trust-anchors.js'
import { a, NOW_MS, sampleWorld, unsigned } from '../../helpers/dnssec-world.js'

const { world, root, example } = sampleWorld()

function chainWith(o: { anchors?: TrustAnchor[]; lookup?: Lookup; now?: number; skew?: number; maxEntries?: number } = {}): TrustChain {
  return new TrustChain({ anchors: o.anchors ?? [root.anchor()], crypto: nodeCrypto, lookup: o.lookup ?? world.lookup, now: () => o.now ?? NOW_MS, skewSeconds: o.skew ?? 0, maxEntries: o.maxEntries })
}

const flip = (r: Rr): Rr => {
  const rdata = Buffer.from(r.rdata)
  rdata[rdata.length - 1] ^= 0xff
  return { ...r, rdata }
}

t.test('a signed answer two zones below the anchor is secure', async (t) => {
  const chain = chainWith()
  t.same(await validateReply(chain, 'WWW.example.', T.A, example.answer('www.example', T.A)), { status: 'secure' })
  t.equal(chain.lookups, 3, 'DNSKEY ., DS example, DNSKEY example')
  await validateReply(chain, 'www.example', T.A, example.answer('www.example', T.A))
  t.equal(chain.lookups, 3, 'the chain is cached')
})

t.test('a flipped signature byte is bogus (EDE 6)', async (t) => {
  const reply = example.answer('www.example', T.A)
  reply.answers = reply.answers.map((r) => (r.type === T.RRSIG ? flip(r) : r))
  t.match(await validateReply(chainWith(), 'www.example', T.A, reply), { status: 'bogus', ede: EDE.DNSSEC_BOGUS })
  const data = example.answer('www.example', T.A)
  data.answers[0] = { ...data.answers[0], rdata: a('192.0.2.99') }
  t.match(await validateReply(chainWith(), 'www.example', T.A, data), { status: 'bogus', ede: EDE.DNSSEC_BOGUS }, 'tampered data')
})

t.test('signatures outside their window are bogus unless within the clock skew allowance', async (t) => {
  const reply = example.answer('www.example', T.A)
  t.match(await validateReply(chainWith({ now: NOW_MS + 2 * 3600_000 }), 'www.example', T.A, reply), { status: 'bogus', ede: EDE.SIGNATURE_EXPIRED })
  t.match(await validateReply(chainWith({ now: NOW_MS - 2 * 3600_000 }), 'www.example', T.A, reply), { status: 'bogus', ede: EDE.SIGNATURE_NOT_YET_VALID })
  t.same(await validateReply(chainWith({ now: NOW_MS + 3700_000, skew: 300 }), 'www.example', T.A, reply), { status: 'secure' })
})

t.test('a missing RRSIG in a signed zone is bogus (EDE 10)', async (t) => {
  const reply = example.answer('www.example', T.A)
  reply.answers = reply.answers.filter((r) => r.type !== T.RRSIG)
  t.match(await validateReply(chainWith(), 'www.example', T.A, reply), { status: 'bogus', ede: EDE.RRSIGS_MISSING })
})

t.test('NXDOMAIN and NODATA with NSEC are secure; without the NSEC bogus (EDE 12)', async (t) => {
  t.same(await validateReply(chainWith(), 'nope.example', T.A, example.answer('nope.example', T.A)), { status: 'secure' })
  t.same(await validateReply(chainWith(), 'www.example', T.AAAA, example.answer('www.example', T.AAAA)), { status: 'secure' })
  const stripped = example.answer('nope.example', T.A)
  stripped.authorities = stripped.authorities.filter((r) => r.type === T.SOA || (r.type === T.RRSIG && r.rdata.readUInt16BE(0) === T.SOA))
  t.match(await validateReply(chainWith(), 'nope.example', T.A, stripped), { status: 'bogus', ede: EDE.NSEC_MISSING })
  const lying = example.answer('nope.example', T.A)
  t.match(await validateReply(chainWith(), 'www.example', T.A, lying), { status: 'bogus', ede: EDE.NSEC_MISSING }, 'NXDOMAIN for a name that exists')
})

t.test('wildcard answers need their denial proof', async (t) => {
  const reply = example.answer('q.wild.example', T.A)
  t.same(await validateReply(chainWith(), 'q.wild.example', T.A, reply), { status: 'secure' })
  t.match(await validateReply(chainWith(), 'q.wild.example', T.A, { ...reply, authorities: [] }), { status: 'bogus', ede: EDE.NSEC_MISSING })
})

t.test('a CNAME chain is validated link by link', async (t) => {
  const alias = example.answer('alias.example', T.A)
  const target = example.answer('www.example', T.A)
  t.same(await validateReply(chainWith(), 'alias.example', T.A, { ...alias, answers: [...alias.answers, ...target.answers] }), { status: 'secure' })
})

t.test('an unsigned delegation is insecure: proven by the parent NSEC without DS', async (t) => {
  const v = await validateReply(chainWith(), 'host.insecure.example', T.A, unsigned('host.insecure.example', T.A, a('192.0.2.9')))
  t.match(v, { status: 'insecure', reason: /unsigned delegation/ })
})

t.test('NSEC3 zone: answers, NXDOMAIN, NODATA, wildcard; opt-out delegation insecure', async (t) => {
  const { world: w, root: r, sub } = sampleWorld()
  const chain = new TrustChain({ anchors: [r.anchor()], crypto: nodeCrypto, lookup: w.lookup, now: () => NOW_MS, skewSeconds: 0 })
  t.same(await validateReply(chain, 'www.nsec3.example', T.A, sub.answer('www.nsec3.example', T.A)), { status: 'secure' })
  t.same(await validateReply(chain, 'www.nsec3.example', T.TXT, sub.answer('www.nsec3.example', T.TXT)), { status: 'secure' })
  t.same(await validateReply(chain, 'ent.nsec3.example', T.A, sub.answer('ent.nsec3.example', T.A)), { status: 'secure' }, 'empty non-terminal')
  t.match(await validateReply(chain, 'nope.nsec3.example', T.A, sub.answer('nope.nsec3.example', T.A)), { status: 'insecure' }, 'opt-out: NXDOMAIN without AD')
  t.match(await validateReply(chain, 'q.wild.nsec3.example', T.A, sub.answer('q.wild.nsec3.example', T.A)), { status: 'insecure' }, 'opt-out span')
  t.match(await validateReply(chain, 'x.unsigned.nsec3.example', T.A, unsigned('x.unsigned.nsec3.example', T.A, a('192.0.2.7'))), { status: 'insecure' })
  const { world: w2, root: r2, sub: sub2 } = sampleWorld({ nsec3: { iterations: 0 } })
  const strict = new TrustChain({ anchors: [r2.anchor()], crypto: nodeCrypto, lookup: w2.lookup, now: () => NOW_MS, skewSeconds: 0 })
  t.same(await validateReply(strict, 'nope.nsec3.example', T.A, sub2.answer('nope.nsec3.example', T.A)), { status: 'secure' }, 'no opt-out: NXDOMAIN secure')
  t.same(await validateReply(strict, 'q.wild.nsec3.example', T.A, sub2.answer('q.wild.nsec3.example', T.A)), { status: 'secure' })
})

t.test('a name under no trust anchor is indeterminate; a DNSKEY anchor works like a DS one', async (t) => {
  t.same(await validateReply(chainWith({ anchors: [example.anchor()] }), 'other', T.A, unsigned('other', T.A, a('192.0.2.1'))), { status: 'indeterminate' })
  const keyAnchor: TrustAnchor = { zone: 'example', type: T.DNSKEY, rdata: example.key.dnskeyRdata }
  t.same(await validateReply(chainWith({ anchors: [keyAnchor] }), 'www.example', T.A, example.answer('www.example', T.A)), { status: 'secure' })
})

t.test('an anchor no key matches, or an unanswered DNSKEY lookup, is bogus (EDE 9)', async (t) => {
  const wrong: TrustAnchor = { zone: '', type: T.DS, rdata: example.ds() }
  t.match(await validateReply(chainWith({ anchors: [wrong] }), 'www.example', T.A, example.answer('www.example', T.A)), { status: 'bogus', ede: EDE.DNSKEY_MISSING })
  const silent: Lookup = async () => undefined
  t.match(await validateReply(chainWith({ lookup: silent }), 'www.example', T.A, example.answer('www.example', T.A)), { status: 'bogus', ede: EDE.DNSKEY_MISSING })
})

t.test('a DS set with only unsupported algorithms makes the zone insecure (RFC 4035 5.2)', async (t) => {
  const ds = Buffer.from(root.anchor().rdata)
  ds[2] = 253
  t.match(await validateReply(chainWith({ anchors: [{ zone: '', type: T.DS, rdata: ds }] }), 'www.example', T.A, example.answer('www.example', T.A)), { status: 'insecure' })
})

t.test('the chain cache is bounded', async (t) => {
  const chain = chainWith({ maxEntries: 1 })
  await validateReply(chain, 'www.example', T.A, example.answer('www.example', T.A))
  t.equal(chain.size, 1)
})

t.test('an RRSIG claiming more labels than its owner has is bogus', async (t) => {
  const reply = example.answer('www.example', T.A)
  reply.answers = reply.answers.map((r) => {
    if (r.type !== T.RRSIG) return r
    const rdata = Buffer.from(r.rdata)
    rdata[3] = 5
    return rr(r.name, r.type, r.ttl, rdata)
  })
  t.match(await validateReply(chainWith(), 'www.example', T.A, reply), { status: 'bogus', ede: EDE.DNSSEC_BOGUS })
})
