import t from 'tap'
import { parseTrustAnchors, rootAnchors } from '../../../src/dnssec/validate/trust-anchors.js'
import { parseDnskey, parseDs, T } from '../../../src/dnssec/validate/records.js'

t.test('the built-in anchors are the two root KSK DS records', async (t) => {
  const a = rootAnchors()
  t.equal(a.length, 2)
  t.same(a.map((x) => [x.zone, x.type, parseDs(x.rdata)?.keyTag]), [['', T.DS, 20326], ['', T.DS, 38696]])
  t.equal(parseDs(a[1].rdata)?.digest.toString('hex'), '683d2d0acb8c9b712a1948b27f741219298d0a450d612c483af444a4c0fb2b16')
})

t.test('reads DS and DNSKEY in zone-file form: comments, parentheses, TTL, class, $ORIGIN', async (t) => {
  const text = `; anchors
$TTL 3600
$ORIGIN example.
@ 172800 IN DNSKEY 257 3 13 ( mdsswUyr3DPW132mOi8V9xESWE8jTo0d
        xCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== ) ; {id = 2371}
sub IN DS 12345 13 2 ( 3490A6806D47F17A34C29E2CE80E8A999FFBE4BE
                       3490A6806D47F17A34C29E2CE80E8A99 )
`
  const r = parseTrustAnchors(text)
  if (!r.ok) throw new Error(r.reason)
  t.same(r.anchors.map((a) => [a.zone, a.type]), [['example', T.DNSKEY], ['sub.example', T.DS]])
  const key = parseDnskey(r.anchors[0].rdata)!
  t.same([key.flags, key.protocol, key.algorithm, key.publicKey.length], [257, 3, 13, 64])
  t.equal(parseDs(r.anchors[1].rdata)?.digest.length, 36)
})

t.test('an owner without a trailing dot is taken relative to the origin (the root by default)', async (t) => {
  const r = parseTrustAnchors('example DS 1 8 2 00ff\n')
  t.match(r, { ok: true, anchors: [{ zone: 'example' }] })
})

t.test('rejects what would weaken or garble the anchors', async (t) => {
  const cases: [string, RegExp][] = [
    ['', /no DS or DNSKEY/],
    ['. IN A 192.0.2.1', /anchors are DS or DNSKEY/],
    ['. CH DS 1 8 2 00', /class CH/],
    ['. DS x 8 2 00', /numbers/],
    ['. DS 1 8 2 0g', /hex/],
    ['. DS 1 8 2', /hex/],
    ['. DNSKEY 257 2 8 AwEAAQ==', /protocol 3/],
    ['. DNSKEY 257 3 8 !!!!', /base64/],
    ['$INCLUDE other', /unsupported directive/],
    [' DS 1 8 2 00', /no owner/],
    ['. DS 1 8 2 ( 00', /./],
    ['. 3600 IN', /\(none\)/],
  ]
  for (const [text, reason] of cases) t.match(parseTrustAnchors(text), { ok: false, reason }, text)
})
