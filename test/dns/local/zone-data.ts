import t from 'tap'
import { reverseKey, ZoneData } from '../../../src/dns/local/zone-data.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'

const rec = (name: string, type: string, value: string, ttl = 3600): DnsRecord => ({
  name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const build = (records: DnsRecord[], auto = true) => new ZoneData(RecordIndex.build(records, 1), { autoBuildPtrFromA: auto })

t.test('reverse names of IPv4 and IPv6 addresses', async (t) => {
  t.equal(reverseKey('192.0.2.1'), '1.2.0.192.in-addr.arpa')
  t.equal(reverseKey('2001:db8::1'), '1.' + '0.'.repeat(23) + '8.b.d.0.1.0.0.2.ip6.arpa')
  t.equal(reverseKey('host.example'), undefined)
})

t.test('reports RRsets whose records disagree on the TTL, serving the last', async (t) => {
  const d = build([rec('a.test', 'A', '192.0.2.1', 300), rec('A.test.', 'A', '192.0.2.2', 60), rec('a.test', 'A', '192.0.2.3', 60)])
  t.same(d.ttlConflicts, [{ name: 'a.test', type: 'A', ttls: [300, 60], served: 60 }])
  t.equal(d.rrset('a.test', 1)?.rrs.every((r) => r.body.readUInt32BE(4) === 60), true)
})

t.test('duplicate RDATA is dropped, names in RDATA compared without case', async (t) => {
  const d = build([rec('m.test', 'MX', '10 Mail.Test.'), rec('M.TEST', 'MX', '10 mail.test'), rec('m.test', 'MX', '20 mail.test')])
  t.equal(d.rrset('m.test', 15)?.rdatas.length, 2)
})

t.test('synthesized PTRs join an explicit PTR RRset without changing its TTL or warning', async (t) => {
  const d = build([rec('192.0.2.5', 'PTR', 'named.test.', 100), rec('host.test', 'A', '192.0.2.5', 900), rec('named.test', 'A', '192.0.2.5', 900)])
  const set = d.rrset('5.2.0.192.in-addr.arpa', 12)
  t.equal(set?.ttl, 100)
  t.equal(set?.rdatas.length, 2, 'named.test once, host.test added')
  t.same(d.ttlConflicts, [])
  t.equal(build([rec('host.test', 'A', '192.0.2.5')], false).rrset('5.2.0.192.in-addr.arpa', 12), undefined)
})

t.test('every ancestor of an owner exists; apexes are the owners of a SOA', async (t) => {
  const d = build([rec('z.test', 'SOA', 'ns. h. 1 2 3 4 5'), rec('a.b.c.z.test', 'TXT', '"x"'), rec('u.test', 'TYPE999', '\\# 0'), rec('bad name', 'A', '192.0.2.1')])
  t.ok(d.exists('b.c.z.test'))
  t.ok(d.exists('test'))
  t.notOk(d.exists('x.z.test'))
  t.same([...d.apexes], ['z.test'])
  t.equal(d.zoneOf('a.b.c.z.test'), 'z.test')
  t.equal(d.zoneOf('other.example'), undefined)
})

t.test('the SOA serves the serial the zones module gives in place of the stored one', async (t) => {
  const records = [rec('z.test', 'SOA', 'ns.z.test. h.z.test. 7 3600 900 604800 300'), rec('sub.z.test', 'SOA', 'ns.z.test. h.z.test. 9 1 1 1 1')]
  const d = new ZoneData(RecordIndex.build(records, 1), { autoBuildPtrFromA: false, soaSerial: (apex) => (apex === 'z.test' ? 1_800_000_000 : undefined) })
  const body = d.rrset('z.test', 6)?.rrs[0].body as Buffer
  t.equal(body.readUInt32BE(body.length - 20), 1_800_000_000, 'patched')
  t.equal(d.rrset('z.test', 6)?.rdatas[0].readUInt32BE((d.rrset('z.test', 6)?.rdatas[0].length as number) - 20), 1_800_000_000)
  const sub = d.rrset('sub.z.test', 6)?.rdatas[0] as Buffer
  t.equal(sub.readUInt32BE(sub.length - 20), 9, 'a zone without a tracked serial keeps its own')
})

t.test('a reverse name with synthesized PTRs only has no node until asked; it becomes one when it owns records, and back', async (t) => {
  const host = rec('host.test', 'A', '192.0.2.5', 900)
  const other = rec('other.test', 'A', '192.0.2.5', 300)
  const d = build([host, other])
  const rev = '5.2.0.192.in-addr.arpa'
  t.notOk(d.nodes.has(rev), 'no node held for it')
  t.ok(d.exists(rev))
  t.ok(d.exists('2.0.192.in-addr.arpa'))
  t.same(d.nodeAt(rev)?.get(12)?.texts, ['PTR host.test.', 'PTR other.test.'])
  t.equal(d.rrset(rev, 12)?.ttl, 300, 'the last record gives the TTL, as before')
  t.equal(d.nodeAt('6.2.0.192.in-addr.arpa'), undefined)
  // an explicit PTR makes it a node: the synthesized ones join its PTR RRset
  const ptr = rec('192.0.2.5', 'PTR', 'named.test.', 100)
  t.same([...d.apply({ removed: [], added: [ptr], replaced: [] })].sort(), ['n' + rev], 'it existed already')
  t.ok(d.nodes.has(rev))
  t.same(d.rrset(rev, 12)?.texts, ['PTR named.test.', 'PTR host.test.', 'PTR other.test.'], 'explicit first, as before')
  // back to synthesized PTRs only: no node again, as a build makes it
  d.apply({ removed: [ptr], added: [], replaced: [] })
  t.notOk(d.nodes.has(rev))
  t.same(d.rrset(rev, 12)?.texts, ['PTR host.test.', 'PTR other.test.'])
  d.apply({ removed: [other], added: [], replaced: [] })
  t.same(d.rrset(rev, 12)?.texts, ['PTR host.test.'])
  t.same([...d.apply({ removed: [host], added: [], replaced: [] })].filter((c) => c.startsWith('e')).sort(), ['e0.192.in-addr.arpa', 'e192.in-addr.arpa', 'e2.0.192.in-addr.arpa', 'e' + rev, 'earpa', 'ehost.test', 'ein-addr.arpa', 'etest'])
  t.notOk(d.exists(rev))
  t.notOk(d.exists('arpa'))
  t.notOk(d.exists('test'))
  t.notOk(d.exists(''), 'the root is not a name here')
  // removed and added back in one change: it existed before and after, no flip
  d.apply({ removed: [], added: [host], replaced: [] })
  const again = { ...host, id: 'again' }
  t.notOk(d.apply({ removed: [host], added: [again], replaced: [] }).has('e' + rev))
  t.same(d.rrset(rev, 12)?.texts, ['PTR host.test.'])
})

t.test('reverse names of digits and dots (no canonical text in between) as of the canonical address', async (t) => {
  const chars = '0123456789.'
  let seed = 11
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n
  const values = ['10.0.0.1', '010.000.0.1', '255.255.255.256', '1.2.3', '1.2.3.4.5', '1..2.3', '1.2.3.', '0000.1.1.1', '.']
  for (let i = 0; i < 2000; i++) {
    let v = ''
    for (let n = 1 + rand(16); n > 0; n--) v += chars[rand(chars.length)]
    values.push(v)
  }
  // a leading space takes canonicalIp's path (it trims)
  for (const v of values) t.equal(reverseKey(v), reverseKey(' ' + v), v)
  t.equal(reverseKey('010.000.0.1'), '1.0.0.10.in-addr.arpa')
})

t.test('a build reports TTL conflicts of groups of several records only, as an apply does', async (t) => {
  const z = build([rec('a.test', 'A', '192.0.2.1', 60), rec('a.test', 'A', '192.0.2.2', 90), rec('b.test', 'A', '192.0.2.3', 60)])
  t.same(z.ttlConflicts.map((c) => `${c.name} ${c.type} ${c.ttls.join(',')} ${c.served}`), ['a.test A 60,90 90'])
  z.apply({ removed: [], added: [rec('b.test', 'A', '192.0.2.4', 30)], replaced: [] })
  t.equal(z.ttlConflicts.length, 2)
})
