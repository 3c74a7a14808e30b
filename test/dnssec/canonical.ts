import t from 'tap'
import {
  canonicalName,
  canonicalRdata,
  canonicalRdatas,
  compareCanonicalNames,
  encodeRrsigRdata,
  labelCountOfKey,
  parseRrsigRdata,
  rrsigLabelCount,
  signedOwner,
  signingInput,
  type RrsigFields,
} from '../../src/dnssec/canonical.js'
import { encodeName, encodeRdata } from '../../src/dns/wire/rdata.js'

const n = (s: string) => encodeName(s) as Buffer

t.test('names and the RDATA names of RFC 4034 6.2 lower-case; NSEC (RFC 6840 5.1) and others keep case', async (t) => {
  t.same(canonicalName(n('WwW.Example.COM')), n('www.example.com'))
  t.same(canonicalRdata(15, encodeRdata('MX', '10 MAIL.Example.com.')!), encodeRdata('MX', '10 mail.example.com.'))
  t.same(canonicalRdata(6, encodeRdata('SOA', 'NS1.A. HostMaster.A. 1 2 3 4 5')!), encodeRdata('SOA', 'ns1.a. hostmaster.a. 1 2 3 4 5'))
  t.same(canonicalRdata(33, encodeRdata('SRV', '1 2 3 Target.A.')!), encodeRdata('SRV', '1 2 3 target.a.'))
  t.same(canonicalRdata(35, encodeRdata('NAPTR', '1 2 "U" "E2U+sip" "!X!Y!" Repl.A.')!), encodeRdata('NAPTR', '1 2 "U" "E2U+sip" "!X!Y!" repl.a.'), 'NAPTR strings keep case')
  t.same(canonicalRdata(16, encodeRdata('TXT', '"ABC"')!), encodeRdata('TXT', '"ABC"'), 'TXT untouched')
  const nsec = Buffer.concat([n('Next.A'), Buffer.from([0, 1, 0x40])])
  t.same(canonicalRdata(47, nsec), nsec, 'NSEC next name keeps case')
  t.same(canonicalRdata(5, Buffer.from([5, 0x41])), Buffer.from([5, 0x41]), 'malformed RDATA copied as is')
  t.same(canonicalRdata(35, Buffer.from([0, 1, 0, 1, 9])), Buffer.from([0, 1, 0, 1, 9]), 'string past the end')
  t.same(canonicalRdata(15, Buffer.from([0])), Buffer.from([0]), 'fixed part past the end')
})

t.test('RFC 4034 6.1: the canonical order of its example', async (t) => {
  const ordered = ['example', 'a.example', 'yljkjljk.a.example', 'Z.a.example', 'zABC.a.EXAMPLE', 'z.example', '\\001.z.example', '*.z.example', '\\200.z.example']
  const shuffled = [...ordered].reverse().map(n)
  shuffled.sort(compareCanonicalNames)
  t.same(shuffled, ordered.map(n))
  t.equal(compareCanonicalNames(n('a.example'), n('A.EXAMPLE')), 0)
})

t.test('label counts leave out the root and a leading *', async (t) => {
  t.equal(rrsigLabelCount(n('.')), 0)
  t.equal(rrsigLabelCount(n('www.example.com')), 3)
  t.equal(rrsigLabelCount(n('*.example.com')), 2)
  t.equal(labelCountOfKey('a.*.example.com'), 4, 'only a leading * is a wildcard')
  t.equal(labelCountOfKey('a..b'), undefined)
})

t.test('the signed owner of a wildcard answer is * plus the RRSIG labels (RFC 4035 5.3.2)', async (t) => {
  t.same(signedOwner(n('a.b.Example.com'), 2), n('*.example.com'))
  t.same(signedOwner(n('A.example.com'), 3), n('a.example.com'))
  t.equal(signedOwner(n('example.com'), 3), undefined)
})

const FIELDS: RrsigFields = { typeCovered: 1, algorithm: 13, labels: 2, originalTtl: 300, expiration: 0xfffffff0, inception: 5, keyTag: 4242, signer: n('Example.com') }

t.test('RRSIG RDATA round-trips, the signer lower-cased; malformed RDATA is refused', async (t) => {
  const rd = encodeRrsigRdata(FIELDS, Buffer.from([1, 2, 3]))
  const p = parseRrsigRdata(rd)!
  t.same(p.signature, Buffer.from([1, 2, 3]))
  t.same({ ...p.fields, signer: [...p.fields.signer] }, { ...FIELDS, signer: [...n('example.com')] })
  t.equal(parseRrsigRdata(rd.subarray(0, 18)), undefined)
  t.equal(parseRrsigRdata(Buffer.concat([rd.subarray(0, 18), Buffer.from([3, 0x61])])), undefined, 'signer runs off the end')
  t.equal(parseRrsigRdata(Buffer.concat([rd.subarray(0, 18), Buffer.from([64, 0, 0])])), undefined, 'label too long')
})

t.test('RFC 4034 3.1.8.1 signing input: header, then each RR in canonical order without duplicates', async (t) => {
  const a1 = Buffer.from([192, 0, 2, 2])
  const a2 = Buffer.from([192, 0, 2, 1])
  const input = signingInput(FIELDS, n('Host.example.com'), [a1, a2, a1])!
  const owner = n('*.example.com')
  const rr = (rd: Buffer) => Buffer.concat([owner, Buffer.from([0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4]), rd])
  const head = encodeRrsigRdata(FIELDS, Buffer.alloc(0))
  t.same(input, Buffer.concat([head, rr(a2), rr(a1)]))
  t.equal(signingInput({ ...FIELDS, labels: 9 }, n('a.b'), [a1]), undefined)
  t.same(canonicalRdatas(1, [a1, a2, a1]), [a2, a1])
})
