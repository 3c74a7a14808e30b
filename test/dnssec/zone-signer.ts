import t from 'tap'
import { verifySignature } from '../../src/dnssec/algorithms.js'
import { parseRrsigRdata, signingInput } from '../../src/dnssec/canonical.js'
import { signRRset } from '../../src/dnssec/sign.js'
import { isWireAtOrBelow, signersFor, signZone, zoneFileText } from '../../src/dnssec/zone-signer.js'
import { encodeName } from '../../src/dns/wire/rdata.js'
import { generatedKey } from '../helpers/dnssec-keys.js'

const n = (s: string) => encodeName(s)!
const zsk = generatedKey(13, 'example')
const ksk = generatedKey(15, 'example', true)
const W = { inception: 1000, expiration: 2000 }

t.test('signRRset: a wildcard owner gives its label count; the signature verifies for any name it stands for', async (t) => {
  const rd = signRRset({ owner: n('*.w.example'), type: 1, ttl: 60, rdatas: [Buffer.from([1, 2, 3, 4])] }, zsk, W)
  const p = parseRrsigRdata(rd)!
  t.equal(p.fields.labels, 2)
  t.equal(p.fields.keyTag, zsk.keyTag)
  const input = signingInput(p.fields, n('x.y.W.example'), [Buffer.from([1, 2, 3, 4])])!
  t.ok(verifySignature(13, zsk.publicKey, input, p.signature))
})

t.test('signers: KSK for DNSKEY, ZSK for the rest; a one-kind set signs everything', async (t) => {
  t.same(signersFor(48, [zsk, ksk]), [ksk])
  t.same(signersFor(1, [zsk, ksk]), [zsk])
  t.same(signersFor(48, [zsk]), [zsk])
  t.same(signersFor(1, [ksk]), [ksk])
})

t.test('names at or below', async (t) => {
  t.ok(isWireAtOrBelow(n('A.Example'), n('example')))
  t.ok(isWireAtOrBelow(n('example'), n('.')))
  t.notOk(isWireAtOrBelow(n('aexample'), n('example')))
  t.notOk(isWireAtOrBelow(n('example'), n('a.example')))
})

t.test('signZone leaves glue and the delegation NS unsigned, signs DS, skips given DNSSEC sets and out-of-zone data', async (t) => {
  const rrs = signZone(
    n('example'),
    [
      { owner: n('example'), type: 6, ttl: 60, rdatas: [Buffer.concat([n('ns.example'), n('h.example'), Buffer.alloc(20)])] },
      { owner: n('sub.example'), type: 2, ttl: 60, rdatas: [n('ns.sub.example')] },
      { owner: n('sub.example'), type: 43, ttl: 60, rdatas: [Buffer.from([0, 1, 13, 2, 0])] },
      { owner: n('ns.sub.example'), type: 1, ttl: 60, rdatas: [Buffer.from([1, 2, 3, 4])] },
      { owner: n('example'), type: 48, ttl: 60, rdatas: [Buffer.from([1])] },
      { owner: n('other'), type: 1, ttl: 60, rdatas: [Buffer.from([1, 2, 3, 4])] },
    ],
    [zsk, ksk],
    W,
    30,
    120,
  )
  const covered = (owner: string) => rrs.filter((r) => r.type === 46 && r.owner.equals(n(owner))).map((r) => parseRrsigRdata(r.rdata)!.fields.typeCovered)
  t.same(covered('sub.example').sort(), [43, 47])
  t.same(covered('ns.sub.example'), [])
  t.same(covered('example').sort((a, b) => a - b), [6, 47, 48])
  t.equal(rrs[0].type, 6, 'SOA first')
  t.notOk(rrs.some((r) => r.owner.equals(n('other'))))
  t.equal(rrs.filter((r) => r.type === 48).length, 2, 'our DNSKEYs only')
  t.match(zoneFileText([{ owner: n('example'), type: 47, ttl: 5, rdata: Buffer.alloc(0) }]), 'example. 5 IN NSEC \\# 0\n')
})
