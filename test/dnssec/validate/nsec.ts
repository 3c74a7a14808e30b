import t from 'tap'
import { nsecCovers, nsecNameError, nsecNoData, nsecWildcardAnswer } from '../../../src/dnssec/validate/nsec.js'
import { T } from '../../../src/dnssec/validate/records.js'
import { nsecChain } from '../../helpers/dnssec-denial.js'

// example.: apex, a host, a wildcard under w, an empty non-terminal ent (for x.ent), a delegation sub.
const zone = {
  example: [T.SOA, T.NS, T.DNSKEY],
  'a.example': [T.A],
  '*.w.example': [T.TXT],
  'x.ent.example': [T.A],
  'sub.example': [T.NS, T.DS],
  'ins.example': [T.NS],
  'c.example': [T.CNAME],
  'z.example': [T.A],
}
const chain = nsecChain('example', zone)

t.test('an NSEC covers names strictly between owner and next; the last wraps to the apex', async (t) => {
  const first = chain[0]
  t.equal(first.owner, 'example')
  t.equal(first.next, 'a.example')
  t.ok(nsecCovers(first, '0.example'))
  t.notOk(nsecCovers(first, 'example'), 'the owner itself is matched, not covered')
  t.notOk(nsecCovers(first, 'a.example'))
  const last = chain[chain.length - 1]
  t.equal(last.next, 'example')
  t.ok(nsecCovers(last, 'zz.example'))
  t.notOk(nsecCovers(last, 'other'), 'outside the zone')
})

t.test('NXDOMAIN needs the name and the wildcard at its closest encloser covered', async (t) => {
  t.same(nsecNameError('b.example', chain), { ok: true })
  t.same(nsecNameError('q.a.example', chain), { ok: true })
  const noWildcard = chain.filter((n) => n.owner !== 'example')
  t.match(nsecNameError('b.example', noWildcard), { ok: false, reason: /covers \*\.example/ })
  t.match(nsecNameError('a.example', chain), { ok: false, reason: /no NSEC covers a\.example/ })
  // A name under w. matches the wildcard: an NXDOMAIN for it is a lie.
  t.match(nsecNameError('q.w.example', chain), { ok: false, reason: /\*\.w\.example/ })
})

t.test('an NSEC at a delegation proves nothing about names below the cut', async (t) => {
  t.match(nsecNameError('deep.sub.example', chain), { ok: false })
})

t.test('NODATA: the type and CNAME absent from a matching NSEC', async (t) => {
  t.same(nsecNoData('a.example', T.AAAA, chain), { ok: true })
  t.match(nsecNoData('a.example', T.A, chain), { ok: false, reason: /lists the type/ })
  t.match(nsecNoData('c.example', 28, chain), { ok: false }, 'a CNAME would have been answered')
  t.match(nsecNoData('sub.example', T.A, chain), { ok: false, reason: /delegation/ })
  const root = nsecChain('', { '': [T.SOA, T.NS], com: [T.NS, T.DS] })
  t.same(nsecNoData('', T.DS, root), { ok: true }, 'the root has no parent: its apex NSEC denies DS')
})

t.test('DS NODATA proves an insecure delegation; a child apex NSEC does not', async (t) => {
  t.same(nsecNoData('ins.example', T.DS, chain), { ok: true })
  t.match(nsecNoData('sub.example', T.DS, chain), { ok: false })
  const child = nsecChain('child.example', { 'child.example': [T.SOA, T.NS] })
  t.match(nsecNoData('child.example', T.DS, child), { ok: false, reason: /child zone/ })
})

t.test('NODATA at an empty non-terminal and under a wildcard', async (t) => {
  t.same(nsecNoData('ent.example', T.A, chain), { ok: true })
  t.same(nsecNoData('q.w.example', T.A, chain), { ok: true })
  t.match(nsecNoData('q.w.example', 16, chain), { ok: false })
  t.match(nsecNoData('b.example', T.A, chain), { ok: false, reason: /no NSEC for b\.example/ })
  t.match(nsecNoData('b.example', T.A, []), { ok: false, reason: /matches or covers/ })
})

t.test('a wildcard answer needs the query name covered', async (t) => {
  t.same(nsecWildcardAnswer('q.w.example', chain), { ok: true })
  t.match(nsecWildcardAnswer('a.example', chain), { ok: false })
})
