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

t.test('withAppended answers as build over the longer list, and leaves the older index as it was', async (t) => {
  const base = [rec('a.example', 'A', '192.0.2.1'), rec('a.example', 'TXT', '"x"'), rec('192.0.2.1', 'PTR', 'a.example'), rec('z.example', 'SOA', 'ns h 1 2 3 4 5')]
  const added = [rec('A.example.', 'A', '192.0.2.2'), rec('b.example', 'AAAA', '2001:db8::1'), rec('192.0.2.1', 'PTR', 'b.example'), rec('y.z.example', 'SOA', 'ns h 1 2 3 4 5'), rec('z.example', 'SOA', 'ns2 h 1 2 3 4 5')]
  const old = RecordIndex.build(base, 1)
  const all = [...base, ...added]
  const inc = old.withAppended(all, 2)
  const full = RecordIndex.build(all, 2)
  t.equal(inc.generation, 2)
  t.equal(inc.records, all)
  for (const [name, type] of [['a.example', 'A'], ['a.example', 'TXT'], ['b.example', 'AAAA'], ['192.0.2.1', 'PTR'], ['z.example', 'SOA']]) {
    t.same(inc.lookup(name, type), full.lookup(name, type), `${name} ${type}`)
    t.same(inc.byName(name), full.byName(name), `${name} by name`)
  }
  t.same(inc.addressRecords('192.0.2.2'), full.addressRecords('192.0.2.2'))
  t.same(inc.ptrRecordsForAddress('192.0.2.1'), full.ptrRecordsForAddress('192.0.2.1'))
  t.same(inc.findZone('w.y.z.example'), full.findZone('w.y.z.example'))
  t.equal(inc.findZone('q.z.example')?.soa, base[3], 'the first SOA of a zone stays its SOA')
  t.equal(old.lookup('a.example', 'A').length, 1, 'the older index still serves its own records')
  t.equal(old.ptrRecordsForAddress('192.0.2.1').length, 1)
  t.notOk(old.hasName('b.example'))
})
