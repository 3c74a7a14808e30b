import t from 'tap'
import { RecordIndex } from '../../src/store/record-index.js'
import { canonicalIp, GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'

const rec = (name: string, type: string, value: string): DnsRecord => ({
  name, type, value, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})

t.test('looks up by name and type whatever the case and trailing dot', async (t) => {
  const idx = RecordIndex.build([rec('WWW.Example.com', 'A', '192.0.2.1'), rec('www.example.com', 'A', '192.0.2.2')])
  t.equal(idx.lookup('www.example.com.', 'a').length, 2)
  t.equal(idx.lookup('other.example.com', 'A').length, 0)
  t.ok(idx.hasName('WWW.EXAMPLE.COM'))
})

t.test('finds the closest enclosing SOA', async (t) => {
  const idx = RecordIndex.build([rec('example.com', 'SOA', 'ns1 h 1 2 3 4 5'), rec('sub.example.com', 'SOA', 'ns1 h 1 2 3 4 5')])
  t.equal(idx.findZone('a.b.sub.example.com')?.zone, 'sub.example.com')
  t.equal(idx.findZone('x.example.com')?.zone, 'example.com')
  t.equal(idx.findZone('example.org'), undefined)
})

t.test('matches addresses in any spelling', async (t) => {
  const idx = RecordIndex.build([rec('h6', 'AAAA', '2001:DB8::1'), rec('192.0.2.9', 'PTR', 'host.example.com')])
  t.equal(idx.addressRecords('2001:0db8:0:0:0:0:0:0001').length, 1)
  t.equal(idx.ptrRecordsForAddress('192.0.2.9').length, 1)
})

const ipCases: [string, string | undefined][] = [
  ['192.0.2.1', '192.0.2.1'],
  ['192.0.2.256', undefined],
  ['::1', '0000:0000:0000:0000:0000:0000:0000:0001'],
  ['::ffff:192.0.2.1', '0000:0000:0000:0000:0000:ffff:c000:0201'],
  ['1:2:3:4:5:6:7:8:9', undefined],
  ['1::2::3', undefined],
  ['example.com', undefined],
]
for (const [input, want] of ipCases) {
  t.test(`canonicalIp(${input})`, async (t) => t.equal(canonicalIp(input), want))
}
