import t from 'tap'
import { isActive, isPublished, OnlineSigner } from '../../src/dnssec/online-signer.js'
import { wildcardCover } from '../../src/dnssec/nsec.js'
import { encodeName, encodeRdata } from '../../src/dns/wire/rdata.js'
import { rrBody } from '../../src/dns/wire/wire.js'
import { generatedKey } from '../helpers/dnssec-keys.js'

const zsk = generatedKey(15, 'zone.test')
const rr = (name: string, type: number, rdata: Buffer, ttl = 60) => ({ name, body: rrBody(type, ttl, rdata), text: '' })
const soa = rr('zone.test', 6, encodeRdata('SOA', 'a. b. 1 2 3 4 5')!)
const none = () => [] as number[]

t.test('BIND timing: published from Publish to Delete, signing from Activate to Inactive', async (t) => {
  const k = { ...zsk, timing: { Publish: 100, Activate: 200, Inactive: 300, Delete: 400 } }
  t.notOk(isPublished(k, 99))
  t.ok(isPublished(k, 100))
  t.notOk(isActive(k, 150))
  t.ok(isActive(k, 200))
  t.notOk(isActive(k, 300))
  t.ok(isPublished(k, 399))
  t.notOk(isPublished(k, 400))
  t.ok(isActive(zsk, 0), 'no timing: always')
  const s = new OnlineSigner([k, zsk])
  t.equal(s.zone, 'zone.test', 'the zone of the first key')
  t.equal(s.dnskeys(150_000).length, 2)
  t.equal(s.dnskeys(500_000).length, 1, 'a deleted key leaves the DNSKEY RRset')
})

t.test('a chain leaving the zone: only our RRsets are signed and no NSEC is made for another zone', async (t) => {
  const s = new OnlineSigner([zsk], 'zone.test')
  const cname = rr('a.zone.test', 5, encodeName('x.other.test')!)
  const out = s.sign({ rcode: 'NXDOMAIN', aa: true, answers: [cname, rr('x.other.test', 5, encodeName('y.other.test')!)], authorities: [rr('other.test', 6, soa.body.subarray(10))], additionals: [] }, 'a.zone.test', 1, none, 1_000_000)
  t.equal(out.rcode, 'NXDOMAIN', 'the other zone\'s negative is left as it is')
  t.same(out.answers.map((r) => r.body.readUInt16BE(0)), [5, 46, 5])
  t.same(out.authorities.map((r) => r.body.readUInt16BE(0)), [6])
  const yx = s.sign({ rcode: 'YXDOMAIN', aa: true, answers: [], authorities: [soa], additionals: [] }, 'a.zone.test', 1, none, 1_000_000)
  t.equal(yx.rcode, 'YXDOMAIN')
  t.equal(yx.authorities.length, 2, 'YXDOMAIN: SOA signed, no denial')
})

t.test('the cache is bounded and entries are reused', async (t) => {
  const s = new OnlineSigner([zsk], 'zone.test')
  const a = { rcode: 'NOERROR' as const, aa: true, answers: [rr('a.zone.test', 1, Buffer.from([1, 2, 3, 4]))], authorities: [], additionals: [] }
  s.sign(a, 'a.zone.test', 1, none, 1_000_000)
  s.sign(a, 'a.zone.test', 1, none, 2_000_000)
  t.equal(s.signed, 1)
  t.equal(s.cachedSets, 1)
})

t.test('a referral with a DS at the cut gets no insecure-delegation NSEC; a name too long for a successor still denies', async (t) => {
  const s = new OnlineSigner([zsk], 'zone.test')
  const ns = rr('sub.zone.test', 2, encodeName('ns.sub.zone.test')!)
  const ref = s.sign({ rcode: 'NOERROR', aa: false, answers: [], authorities: [ns], additionals: [] }, 'x.sub.zone.test', 1, () => [2, 43], 1_000_000)
  t.same(ref.authorities.map((r) => r.body.readUInt16BE(0)), [2])
  const long = Array.from({ length: 4 }, () => 'x'.repeat(60)).join('.') + '.zone.test'
  const out = s.sign({ rcode: 'NXDOMAIN', aa: true, answers: [], authorities: [soa], additionals: [] }, long, 1, none, 1_000_000)
  t.equal(out.authorities[2].body.readUInt16BE(0), 47)
})

t.test('wildcard cover bounds', async (t) => {
  const n = (s: string) => encodeName(s)!
  t.same(wildcardCover(n('b.w.example'), 2), { owner: n('a\\255.w.example'), next: n('b\\000.w.example') })
  t.same(wildcardCover(n('\\091.w.example'), 2)?.owner, n('\\064\\255.w.example'), 'never an upper-case letter')
  t.equal(wildcardCover(n('w.example'), 2), undefined)
  t.equal(wildcardCover(n('a\\000.w.example'), 2), undefined)
  t.equal(wildcardCover(n('x'.repeat(63) + '.w.example'), 2), undefined)
})

t.test('a key timing event (Activate, Inactive, Delete) reached while running ends cached signatures and the answer', async (t) => {
  // an old ZSK retired at 1,100 s and deleted at 1,200 s, a new one active from 1,100 s: no restart in between
  const old = { ...generatedKey(13, 'zone.test'), timing: { Inactive: 1_100, Delete: 1_200 } }
  const next = { ...generatedKey(13, 'zone.test'), timing: { Publish: 900, Activate: 1_100 } }
  const s = new OnlineSigner([old, next], 'zone.test')
  const a = { rcode: 'NOERROR' as const, aa: true, answers: [rr('a.zone.test', 1, Buffer.from([1, 2, 3, 4]))], authorities: [], additionals: [] }
  const tags = (out: { answers: { text: string }[] }) => out.answers.map((r) => /key tag (\d+)/.exec(r.text)?.[1]).filter(Boolean).map(Number)
  const before = s.sign(a, 'a.zone.test', 1, none, 1_000_000)
  t.same(tags(before), [old.keyTag], 'before: the old ZSK signs')
  t.equal(before.refreshAt, 1_100_000, 'the answer (and its fast-path entry) ends at the next key event')
  t.same(tags(s.sign(a, 'a.zone.test', 1, none, 1_150_000)), [next.keyTag], 'after the switch: the new ZSK signs, not the cached old signature')
  const keys = s.sign({ rcode: 'NOERROR', aa: true, answers: [], authorities: [], additionals: [] }, 'zone.test', 48, none, 1_150_000)
  t.equal(keys.refreshAt, 1_200_000, 'the DNSKEY answer ends when the old key leaves the RRset')
  t.equal(s.dnskeys(1_250_000).length, 1)
  t.equal(s.sign(a, 'a.zone.test', 1, none, 5_000_000).refreshAt, 5_000_000 + 10.5 * 86400_000, 'no event left: the regular refresh')
})
