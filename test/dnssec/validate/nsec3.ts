import t from 'tap'
import { base32hex, fromBase32hex, MAX_NSEC3_ITERATIONS, nsec3Hash, nsec3NameError, nsec3NoData, nsec3WildcardAnswer } from '../../../src/dnssec/validate/nsec3.js'
import { T } from '../../../src/dnssec/validate/records.js'
import { nsec3Chain } from '../../helpers/dnssec-denial.js'

t.test('hashes as RFC 5155 appendix A lists them (salt aabbccdd, 12 iterations)', async (t) => {
  const salt = Buffer.from('aabbccdd', 'hex')
  t.equal(base32hex(nsec3Hash('example', salt, 12)), '0p9mhaveqvm6t7vbl5lop2u3t2rp3tom')
  t.equal(base32hex(nsec3Hash('A.Example.', salt, 12)), '35mthgpgcu1qg68fab165klnsnk3dpvl', 'case and trailing dot do not matter')
  t.equal(base32hex(nsec3Hash('*.w.example', salt, 12)), 'r53bq7cc2uvmubfu5ocmm6pers9tk9en')
  t.equal(base32hex(nsec3Hash('x.y.w.example', salt, 12)), '2vptu5timamqttgl4luu9kg21e0aor3s')
})

t.test('base32hex round-trips and rejects foreign characters', async (t) => {
  const h = nsec3Hash('example', Buffer.alloc(0), 0)
  t.same(fromBase32hex(base32hex(h).toUpperCase()), h)
  t.equal(base32hex(Buffer.from([0xff])), 'vs')
  t.equal(fromBase32hex('wxyz'), undefined)
})

const names = {
  example: [T.SOA, T.NS, T.DNSKEY, T.NSEC3PARAM],
  'a.example': [T.A],
  'w.example': [],
  '*.w.example': [T.TXT],
  'ent.example': [],
  'x.ent.example': [T.A],
  'sub.example': [T.NS, T.DS],
  'c.example': [T.CNAME],
}
const p = { salt: Buffer.from('aabbccdd', 'hex'), iterations: 2 }
const chain = nsec3Chain('example', names, p)

t.test('NXDOMAIN: closest encloser matched, next closer and wildcard covered', async (t) => {
  t.same(nsec3NameError('example', 'b.example', chain), { ok: true })
  t.same(nsec3NameError('example', 'q.r.a.example', chain), { ok: true })
  t.match(nsec3NameError('example', 'a.example', chain), { ok: false, reason: /exists/ })
  t.match(nsec3NameError('example', 'q.w.example', chain), { ok: false, reason: /\*\.w\.example/ }, 'the wildcard exists')
  t.match(nsec3NameError('example', 'b.example', []), { ok: false, reason: /matches an ancestor/ })
  t.match(nsec3NameError('example', 'b.other', chain), { ok: false, reason: /outside/ })
  t.match(nsec3NameError('example', 'q.sub.example', chain), { ok: false, reason: /delegation/ })
  const apexOnly = chain.filter((n) => n.types.has(T.SOA))
  t.match(nsec3NameError('example', 'b.example', apexOnly), { ok: false, reason: /covers b\.example/ })
})

t.test('NSEC3 of another zone or an unknown hash algorithm is ignored', async (t) => {
  t.match(nsec3NameError('other', 'b.other', chain), { ok: false })
  const unknown = chain.map((n) => ({ ...n, hashAlgorithm: 2 }))
  t.match(nsec3NameError('example', 'b.example', unknown), { ok: false })
})

t.test('NODATA: matching NSEC3 without the type; wildcard no-data; delegations', async (t) => {
  t.same(nsec3NoData('example', 'a.example', T.AAAA, chain), { ok: true })
  t.same(nsec3NoData('example', 'ent.example', T.A, chain), { ok: true }, 'empty non-terminal has an NSEC3')
  t.match(nsec3NoData('example', 'a.example', T.A, chain), { ok: false, reason: /lists/ })
  t.match(nsec3NoData('example', 'c.example', T.A, chain), { ok: false }, 'a CNAME would have been answered')
  t.match(nsec3NoData('example', 'sub.example', T.A, chain), { ok: false, reason: /delegation/ })
  t.same(nsec3NoData('example', 'q.w.example', T.A, chain), { ok: true })
  t.match(nsec3NoData('example', 'q.w.example', T.TXT, chain), { ok: false })
  t.match(nsec3NoData('example', 'b.example', T.A, chain), { ok: false, reason: /no NSEC3 matches b\.example/ })
  t.match(nsec3NoData('example', 'b.example', T.A, []), { ok: false })
})

t.test('DS NODATA: at a delegation without DS; under opt-out insecure; never from the child apex', async (t) => {
  const withIns = nsec3Chain('example', { ...names, 'ins.example': [T.NS] }, p)
  t.same(nsec3NoData('example', 'ins.example', T.DS, withIns), { ok: true })
  t.match(nsec3NoData('example', 'sub.example', T.DS, withIns), { ok: false })
  t.match(nsec3NoData('example', 'example', T.DS, withIns), { ok: false, reason: /child zone/ })
  t.match(nsec3NoData('example', 'unsigned.example', T.DS, chain), { ok: false }, 'no opt-out: unproven')
  const optOut = nsec3Chain('example', names, { ...p, optOut: true })
  t.same(nsec3NoData('example', 'unsigned.example', T.DS, optOut), { ok: true, insecure: true })
  t.same(nsec3NameError('example', 'b.example', optOut), { ok: true, insecure: true }, 'opt-out NXDOMAIN gets no AD')
})

t.test('a wildcard answer needs the next closer name covered', async (t) => {
  // q.w.example expanded from *.w.example: the RRSIG has 2 labels (w.example).
  t.same(nsec3WildcardAnswer('example', 'q.w.example', 2, chain), { ok: true })
  t.match(nsec3WildcardAnswer('example', 'x.ent.example', 2, chain), { ok: false }, 'ent.example exists: not a next closer')
  const optOut = nsec3Chain('example', names, { ...p, optOut: true })
  t.same(nsec3WildcardAnswer('example', 'q.w.example', 2, optOut), { ok: true, insecure: true })
})

t.test('too many iterations make the denial insecure, not bogus (RFC 9276 3.2)', async (t) => {
  const costly = nsec3Chain('example', names, { iterations: MAX_NSEC3_ITERATIONS + 1 })
  t.same(nsec3NameError('example', 'b.example', costly), { ok: true, insecure: true })
})
