import t from 'tap'
import { RR_TYPES } from '../../../src/store/rr-types.js'
import { parseRrLine, formatRrLine, toMnemonic, toPacketType } from '../../../src/dns/wire/upstream-rr.js'

t.test('every table type has a dns-packet name that maps back to its mnemonic', async (t) => {
  for (const rr of RR_TYPES) {
    const p = toPacketType(rr.mnemonic)
    t.equal(p, rr.packetNamed ? rr.mnemonic : `UNKNOWN_${rr.code}`, rr.mnemonic)
    if (rr.alias !== true) t.equal(toMnemonic(p as string), rr.mnemonic, `${rr.mnemonic} back`)
  }
})

t.test('TYPEnnn and UNKNOWN_nnn resolve through the table', async (t) => {
  t.equal(toPacketType('TYPE1'), 'A')
  t.equal(toPacketType('type65'), 'UNKNOWN_65')
  t.equal(toMnemonic('UNKNOWN_65'), 'HTTPS')
  t.equal(toMnemonic('UNKNOWN_65534'), 'TYPE65534')
  t.equal(toPacketType('UNKNOWN_65534'), 'UNKNOWN_65534')
  t.equal(toPacketType('TYPE0'), undefined)
  t.equal(toPacketType('BOGUS'), undefined)
})

t.test('cache lines round trip through the shared tokenizer', async (t) => {
  const lines = [
    'example.com. 300 IN TXT "a \\"quoted\\" word" "\\255"',
    'example.com. 300 IN MX 10 mail.example.com.',
    'example.com. 300 IN CAA 0 issue "letsencrypt.org"',
    'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 1 2 3 4 4294967295',
  ]
  for (const line of lines) {
    const rr = parseRrLine(line)
    t.ok(rr, line)
    if (rr) t.equal(formatRrLine(rr), line)
  }
  t.equal(parseRrLine('example.com. 300 IN TXT "open'), undefined)
})
