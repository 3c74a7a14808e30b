import t from 'tap'
import { encodeRdata, rdataProblem } from '../../../src/dns/wire/rdata.js'

// RFC 9460 Appendix D test vectors (presentation -> wire), and values that must be refused.
const hex = (type: string, v: string) => encodeRdata(type, v)?.toString('hex')

const good: [string, string][] = [
  ['0 foo.example.com.', '000003666f6f076578616d706c6503636f6d00'], // D.1 AliasMode
  ['1 .', '000100'], // D.2 target "."
  ['16 foo.example.com. port=53', '0010' + '03666f6f076578616d706c6503636f6d00' + '000300020035'],
  ['1 foo.example.com. key667=hello', '0001' + '03666f6f076578616d706c6503636f6d00' + '029b000568656c6c6f'],
  ['1 foo.example.com. key667="hello\\210qoo"', '0001' + '03666f6f076578616d706c6503636f6d00' + '029b000968656c6c6fd271' + '6f6f'],
  ['1 foo.example.com. ipv6hint="2001:db8::1,2001:db8::53:1"', '0001' + '03666f6f076578616d706c6503636f6d00' + '0006002020010db800000000000000000000000120010db8000000000000000000530001'],
  ['16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn ipv4hint=192.0.2.1', '0010' + '03666f6f076578616d706c65036f726700' + '0000000400010004' + '00010009026832056833 2d3139'.replace(' ', '') + '00040004c0000201'],
  ['16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"', '0010' + '03666f6f076578616d706c65036f726700' + '0001000c' + '08' + Buffer.from('f\\oo,bar').toString('hex') + '026832'],
  ['1 . no-default-alpn alpn=h2 ohttp', '000100' + '0001000302683200020000' + '00080000'],
]

for (const [value, wire] of good) t.test(`encodes ${value}`, async (t) => t.equal(hex('SVCB', value), wire))

t.test('encodes ech as base64 and dohpath as octets', async (t) => {
  t.equal(hex('HTTPS', '1 . ech=AAAA'), '000100' + '00050003000000')
  t.equal(hex('HTTPS', '1 . dohpath=/q{?dns}'), '000100' + '00070008' + Buffer.from('/q{?dns}').toString('hex'))
})

const bad = [
  '0 foo.example.com. alpn=h2', // AliasMode with params
  '1 foo.example.com. port=1 port=2', // a key twice
  '1 . bogus=1', '1 . key65536=x', '1 . port=70000', '1 . port', '1 . alpn', '1 . alpn=', '1 . ipv4hint=2001:db8::1',
  '1 . ipv6hint=192.0.2.1', '1 . mandatory=mandatory', '1 . mandatory=alpn,alpn', '1 . mandatory=nope', '1 . ech=!!!',
  '1 . no-default-alpn=x', '1 . "port=1"', '"1" .', '1 "."', '70000 .', '1', '1 . alpn=a\\', '1 . alpn=\\300',
]
for (const value of bad) t.test(`refuses ${value}`, async (t) => t.ok(rdataProblem('HTTPS', value) ?? (encodeRdata('HTTPS', value) === undefined ? 'x' : undefined)))

t.test('a key with no value and an unknown keyNNNNN value are kept', async (t) => {
  t.equal(hex('SVCB', '1 . key9'), '000100' + '00090000')
})

t.test('formatSvcb gives the presentation form back (round trip through the encoder)', async (t) => {
  const { formatSvcb } = await import('../../../src/dns/wire/svcb.js')
  const cases: [string, string][] = [
    ['0 foo.example.com.', '0 foo.example.com.'],
    ['1 .', '1 .'],
    ['1 . alpn=h2,h3 port=8443', '1 . alpn="h2,h3" port=8443'],
    ['16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"', '16 foo.example.org. alpn="f\\\\\\\\oo\\\\,bar,h2"'],
    ['1 . mandatory=port,alpn alpn=h2 port=53 ipv4hint=192.0.2.1,192.0.2.2 ech=AAAA ipv6hint=2001:db8::1,2001:db8:0:1:0:0:0:1 dohpath=/q{?dns} key667="a b" no-default-alpn ohttp key9',
      '1 . mandatory=alpn,port alpn="h2" no-default-alpn port=53 ipv4hint=192.0.2.1,192.0.2.2 ech=AAAA ipv6hint=2001:db8::1,2001:db8:0:1::1 dohpath="/q{?dns}" ohttp key9 key667="a b"'],
    ['1 x\\.y.example. key65000="\\001"', '1 x\\.y.example. key65000="\\001"'],
  ]
  for (const [input, want] of cases) {
    const wire = encodeRdata('HTTPS', input) as Buffer
    t.equal(formatSvcb(wire), want, input)
    t.same(encodeRdata('HTTPS', want), wire, 'the output encodes to the same RDATA')
  }
  for (const bad of ['0001', '000100000100', '00010000020001ff', '0001000003000100', '000100000400020102', '0001000600011001', '0001000100010000', '00010000000001ff', '0001000300020001000100020002', '0001000103']) {
    t.equal(formatSvcb(Buffer.from(bad, 'hex')), undefined, `malformed ${bad}`)
  }
})

t.test('forwarded and cached SVCB/HTTPS records are written and read in presentation form', async (t) => {
  const { formatRrLine, parseRrLine, parseAnswer, formatRdata } = await import('../../../src/dns/wire/upstream-rr.js')
  const a = parseAnswer('example.com', 'HTTPS', 60, '1 . alpn=h2 port=443')
  t.ok(a)
  t.equal(formatRdata(a as never), '1 . alpn="h2" port=443')
  const line = formatRrLine(a as never)
  t.same(parseRrLine(line), a)
  t.match(formatRdata({ name: 'x', type: 'UNKNOWN_65', data: Buffer.from('0001', 'hex') } as never), /^\\# 2 0001$/, 'malformed RDATA stays generic')
})
