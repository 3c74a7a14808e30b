import t from 'tap'
import { ENCODABLE_TYPES, encodeName, encodeRdata, rdataProblem, tokenize, typeName, typeNumber, validateRecords } from '../../../src/dns/wire/rdata.js'

const hex = (b: Buffer | undefined): string | undefined => b?.toString('hex')

t.test('encodes names absolute with or without the trailing dot', async (t) => {
  t.equal(hex(encodeName('mail.example.com.')), '046d61696c076578616d706c6503636f6d00')
  t.equal(hex(encodeName('mail.example.com')), '046d61696c076578616d706c6503636f6d00')
  t.equal(hex(encodeName('.')), '00')
  t.equal(hex(encodeName('a\\.b.c')), '03612e620163' + '00')
})

t.test('rejects names with empty or over-long labels or over 255 bytes', async (t) => {
  t.equal(encodeName('a..b'), undefined)
  t.equal(encodeName('x'.repeat(64) + '.com'), undefined)
  t.equal(encodeName(Array(130).fill('ab').join('.')), undefined)
})

const cases: [string, string, string | undefined][] = [
  ['A', '192.0.2.1', 'c0000201'],
  ['A', '192.0.2.256', undefined],
  ['A', '2001:db8::1', undefined],
  ['AAAA', '2001:db8::1', '20010db8000000000000000000000001'],
  ['CNAME', 'example.com', '076578616d706c6503636f6d00'],
  ['MX', '10 mail.example.com.', '000a' + '046d61696c076578616d706c6503636f6d00'],
  ['MX', 'mail.example.com', undefined],
  ['TXT', '"v=spf1 -all"', '0b763d73706631202d616c6c'],
  ['TXT', '"a" "bc"', '0161026263'],
  ['TXT', 'two words', '0374776f05776f726473'],
  ['TXT', '"say \\"hi\\""', '0873617920226869' + '22'],
  ['TXT', '"unterminated', undefined],
  ['SRV', '10 5 5060 sip.example.com.', '000a000513c4' + '03736970076578616d706c6503636f6d00'],
  ['SOA', 'ns1.example.com. hostmaster.example.com. 2024010101 3600 900 604800 300',
    '036e7331076578616d706c6503636f6d00' + '0a686f73746d6173746572076578616d706c6503636f6d00' + '78a3f175' + '00000e10' + '00000384' + '00093a80' + '0000012c'],
  ['SOA', 'ns1 host 1 2 3', undefined],
  ['CAA', '0 issue "letsencrypt.org"', '0005' + '6973737565' + '6c657473656e63727970742e6f7267'],
  ['NS', 'ns1.example.com.', '036e7331076578616d706c6503636f6d00'],
  ['PTR', 'host.example.com', '04686f7374076578616d706c6503636f6d00'],
  ['TLSA', '3 1 1 abcd', '030101abcd'],
  ['HTTPS', '1 . alpn=h2', '00010000010003026832'],
]
for (const [type, value, want] of cases) {
  t.test(`encodes ${type} ${value} as ${want ?? 'nothing (skipped)'}`, async (t) => {
    t.equal(hex(encodeRdata(type, value)), want)
  })
}

t.test('NAPTR with a regexp containing spaces quoted parses', async (t) => {
  t.ok(encodeRdata('NAPTR', '100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .'))
})

t.test('tokenize ignores parentheses and comments', async (t) => {
  t.same(tokenize('a ( b c ) ; comment')?.map((x) => x.text), ['a', 'b', 'c'])
})

t.test('maps type mnemonics and numbers both ways, RFC 3597 for unknown', async (t) => {
  t.equal(typeNumber('mx'), 15)
  t.equal(typeNumber('TYPE65534'), 65534)
  t.equal(typeNumber('BOGUS'), undefined)
  t.equal(typeName(28), 'AAAA')
  t.equal(typeName(65534), 'TYPE65534')
})

t.test('validateRecords lists each record that cannot be answered', async (t) => {
  const bad = validateRecords([
    { name: 'a', type: 'A', value: '192.0.2.1' },
    { name: 'b', type: 'MX', value: 'nope' },
    { name: 'c', type: 'WKS', value: 'x' },
  ])
  t.same(bad.map((b) => [b.index, b.reason]), [[1, 'invalid_value'], [2, 'unsupported_type']])
})

t.test('encodes exactly the types docs/records.md says the server answers (shapes from the type table)', async (t) => {
  const answered = 'A AAAA CNAME NS PTR DNAME MX TXT SPF SRV SOA CAA HINFO NAPTR TLSA DS SSHFP SVCB HTTPS'.split(' ')
  t.same([...ENCODABLE_TYPES].sort(), answered.sort())
  t.same(encodeRdata('HTTPS', '1 . alpn=h2'), encodeRdata('SVCB', '1 . alpn=h2'), 'HTTPS shares the SVCB layout (RFC 9460 9)')
  t.same(encodeRdata('spf', '"v=spf1"'), encodeRdata('TXT', '"v=spf1"'), 'SPF shares the TXT layout')
})

t.test('RFC 3597 generic values make types without a native encoder answerable', async (t) => {
  t.equal(encodeRdata('URI', '\\# 6 000a00016869')?.toString('hex'), '000a00016869')
  t.equal(encodeRdata('DNSKEY', '\\# 0')?.length, 0)
  t.equal(encodeRdata('OPENPGPKEY', '\\# 2 ab cd')?.toString('hex'), 'abcd')
  t.equal(encodeRdata('URI', '\\# 3 0a'), undefined, 'length must match')
  t.equal(encodeRdata('URI', '\\# 0 0a'), undefined)
  t.equal(encodeRdata('URI', '\\# x 0a'), undefined)
  t.equal(encodeRdata('URI', '10 1 "https://x"'), undefined, 'native URI text is accepted but not answered')
  t.equal(encodeRdata('BOGUS', '\\# 0'), undefined)
  t.match(rdataProblem('URI', '\\# 3 0a'), /not a valid URI value/)
  t.equal(rdataProblem('URI', '\\# 1 0a'), undefined)
  t.same(validateRecords([{ name: 'u', type: 'URI', value: '\\# 1 0a' }]), [])
})

t.test('A values of digits and dots (encoded without the tokenizer) encode and fail as through it', async (t) => {
  const chars = '0123456789.'
  let seed = 7
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n
  const values = ['1.2.3.4', '010.0.0.1', '255.255.255.255', '256.1.1.1', '1.2.3', '1.2.3.4.5', '.', '1..2.3', '0.0.0.0', '1.2.3.4.']
  for (let i = 0; i < 2000; i++) {
    let v = ''
    for (let n = 1 + rand(16); n > 0; n--) v += chars[rand(chars.length)]
    values.push(v)
  }
  for (const v of values) {
    // a leading space takes the tokenizer's path: the same value as far as the tokens go
    t.same(encodeRdata('A', v), encodeRdata('A', ' ' + v), v)
    t.equal(rdataProblem('a', v), rdataProblem('a', ' ' + v), v)
  }
  t.same(encodeRdata('A', '192.0.2.1'), Buffer.from([192, 0, 2, 1]))
  t.equal(encodeRdata('TXT', '1.2.3.4')?.toString('hex'), '07312e322e332e34', 'only A values take the short way')
})
