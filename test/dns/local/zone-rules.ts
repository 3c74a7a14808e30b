import t from 'tap'
import dnsPacket from 'dns-packet'
import pino from 'pino'
import { DnsResponder, type DnsServerOptions } from '../../../src/dns/serve/server.js'
import { encodeName } from '../../../src/dns/wire/rdata.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'

// Answering rules checked through whole messages (the bytes a client gets), one RFC rule per test.
const rec = (name: string, type: string, value: string, ttl = 3600): DnsRecord => ({
  name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const SOA = 'ns1.example.com. hostmaster.example.com. 1 3600 900 604800 300'
const records = [
  rec('example.com', 'SOA', SOA),
  rec('example.com', 'NS', 'ns1.example.com.'),
  rec('ns1.example.com', 'A', '192.0.2.53'),
  rec('example.com', 'MX', '10 mail.example.com.'),
  rec('mail.example.com', 'A', '192.0.2.25'),
  rec('_sip._tcp.example.com', 'SRV', '10 5 5060 sip.example.com.'),
  rec('sip.example.com', 'AAAA', '2001:db8::60'),
  rec('host.example.com', 'A', '192.0.2.10'),
  rec('Host.Example.COM.', 'A', '192.0.2.10'),
  rec('ttl.example.com', 'A', '192.0.2.1', 300),
  rec('ttl.example.com', 'A', '192.0.2.2', 60),
  rec('dot\\.inside.example.com', 'TXT', '"escaped"'),
  rec('*.wild.example.com', 'A', '192.0.2.80'),
  rec('exists.wild.example.com', 'TXT', '"here"'),
  rec('*.wc.example.com', 'CNAME', 'host.example.com.'),
  rec('sub.example.com', 'NS', 'ns1.sub.example.com.'),
  rec('ns1.sub.example.com', 'A', '192.0.2.70'),
  rec('old.example.com', 'DNAME', 'new.example.com.'),
  rec('www.new.example.com', 'A', '192.0.2.99'),
  rec('child.example.com', 'SOA', 'ns1.child.example.com. hostmaster.child.example.com. 1 3600 900 604800 120'),
  rec('child.example.com', 'NS', 'ns1.child.example.com.'),
  rec('child.example.com', 'NS', 'ns1.example.com.'),
  rec('ns1.child.example.com', 'A', '192.0.2.90'),
  rec('2.0.192.in-addr.arpa', 'SOA', SOA),
  rec('192.0.2.135', 'PTR', 'host.example.com.'),
  rec('8.b.d.0.1.0.0.2.ip6.arpa', 'SOA', SOA),
  rec('2001:db8::1', 'PTR', 'v6.example.com.'),
  rec('v6.example.com', 'AAAA', '2001:db8::abcd'),
]
const index = RecordIndex.build(records, 1)
const opts: DnsServerOptions = {
  bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: true, refuseAny: false,
  maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 100,
}
const responder = new DnsResponder(opts, { getIndex: () => index, log: pino({ level: 'silent' }) })

type Reply = dnsPacket.DecodedPacket & { rcode: string; flag_aa: boolean; flag_tc: boolean }
let id = 1
function ask(name: string, type: string, o: { edns?: boolean; opcode?: number; qclass?: string; responder?: DnsResponder } = {}): Reply {
  const msg = dnsPacket.encode({
    type: 'query', id: id++, flags: (o.opcode ?? 0) << 11, questions: [{ name, type: type as 'A', class: (o.qclass ?? 'IN') as 'IN' }],
    additionals: o.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer] : [],
  })
  const out = (o.responder ?? responder).handle(msg, 'udp', '127.0.0.1')
  if (!Buffer.isBuffer(out)) throw new Error('no synchronous reply for ' + name)
  return dnsPacket.decode(out) as Reply
}
const rrs = (list: dnsPacket.Answer[] | undefined) =>
  (list ?? []).filter((a) => a.type !== 'OPT').map((a) => `${a.name.toLowerCase()} ${(a as { ttl?: number }).ttl} ${a.type} ${JSON.stringify((a as { data?: unknown }).data)}`)
const v6rev = (last: string) => last + '.' + '0.'.repeat(23) + '8.b.d.0.1.0.0.2.ip6.arpa'

t.test('RFC 8020: other types at the reverse name of an IP-form PTR are NODATA, not NXDOMAIN', async (t) => {
  const r = ask('135.2.0.192.in-addr.arpa', 'TXT')
  t.equal(r.rcode, 'NOERROR')
  t.equal(r.answers?.length, 0)
  t.equal(r.authorities?.[0]?.type, 'SOA')
  t.equal(ask('135.2.0.192.in-addr.arpa', 'PTR').answers?.length, 1)
})

t.test('RFC 8020: the ip6.arpa names above an IP-keyed PTR exist (NODATA)', async (t) => {
  t.equal(ask(v6rev('1'), 'TXT').rcode, 'NOERROR')
  t.equal(ask('0.' + v6rev('1').split('.').slice(2).join('.'), 'PTR').rcode, 'NOERROR', 'an empty non-terminal above it')
  t.equal(ask(v6rev('2'), 'PTR').rcode, 'NXDOMAIN', 'a sibling that does not exist')
})

t.test('RFC 8020: names of synthesized PTRs exist for every type', async (t) => {
  t.equal(ask('10.2.0.192.in-addr.arpa', 'PTR').answers?.length, 1)
  t.equal(ask('10.2.0.192.in-addr.arpa', 'AAAA').rcode, 'NOERROR')
  t.equal(ask('c.b.a.' + '0.'.repeat(20) + '8.b.d.0.1.0.0.2.ip6.arpa', 'PTR').answers?.length, 0, 'ENT above a synthesized v6 PTR')
  t.equal(ask('c.b.a.' + '0.'.repeat(20) + '8.b.d.0.1.0.0.2.ip6.arpa', 'PTR').rcode, 'NOERROR')
})

t.test('a reverse label with leading zeros is not the name of an address (no PTR synthesis)', async (t) => {
  t.equal(ask('010.2.0.192.in-addr.arpa', 'PTR').rcode, 'NXDOMAIN')
  t.equal(ask('0135.2.0.192.in-addr.arpa', 'PTR').rcode, 'NXDOMAIN')
})

t.test('an escaped dot stays inside its label: inside.example.com does not exist', async (t) => {
  t.equal(ask('inside.example.com', 'A').rcode, 'NXDOMAIN')
  // the question carries the label "dot.inside" (dns-packet cannot spell it, so it is built here)
  const name = encodeName('dot\\.inside.example.com') as Buffer
  const head = Buffer.from([0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])
  const out = responder.handle(Buffer.concat([head, name, Buffer.from([0, 16, 0, 1])]), 'udp') as Buffer
  const r = dnsPacket.decode(out) as Reply
  t.equal(r.rcode, 'NOERROR')
  t.equal(r.answers?.length, 1)
})

t.test('RFC 6891 7: NOTIMP for an unknown opcode keeps the question and the OPT record', async (t) => {
  const r = ask('host.example.com', 'A', { opcode: 2, edns: true })
  t.equal(r.rcode, 'NOTIMP')
  t.equal(r.questions?.length, 1)
  t.equal(r.questions?.[0]?.name, 'host.example.com')
  t.ok((r.additionals ?? []).some((a) => a.type === 'OPT'))
})

t.test('RFC 2181 5: the same RR under two spellings of its owner is sent once', async (t) => {
  t.same(rrs(ask('host.example.com', 'A').answers), ['host.example.com 3600 A "192.0.2.10"'])
})

t.test('RFC 2181 5.2: an RRset is served with one TTL (the last one read, as knotd)', async (t) => {
  t.same(rrs(ask('ttl.example.com', 'A').answers), ['ttl.example.com 60 A "192.0.2.1"', 'ttl.example.com 60 A "192.0.2.2"'])
})

t.test('a held child zone answers from its own data: its SOA in negatives, no parent glue', async (t) => {
  const r = ask('nope.child.example.com', 'A')
  t.equal(r.rcode, 'NXDOMAIN')
  t.equal(r.authorities?.[0]?.name, 'child.example.com')
  t.ok(r.flag_aa)
  const ns = ask('child.example.com', 'NS')
  t.ok(ns.flag_aa)
  t.equal(ns.answers?.length, 2)
  t.equal(ns.authorities?.length ?? 0, 0)
})

t.test('RFC 1034 4.3.2: below a zone cut the answer is a referral (AA=0, NS in authority, glue)', async (t) => {
  const r = ask('www.sub.example.com', 'A')
  t.equal(r.rcode, 'NOERROR')
  t.notOk(r.flag_aa)
  t.equal(r.answers?.length, 0)
  t.same(rrs(r.authorities), ['sub.example.com 3600 NS "ns1.sub.example.com"'])
  t.same(rrs(r.additionals), ['ns1.sub.example.com 3600 A "192.0.2.70"'])
  t.notOk(ask('ns1.sub.example.com', 'A').flag_aa, 'glue itself is not authoritative')
})

t.test('RFC 4592: a wildcard answers names that do not exist, with the query name as owner', async (t) => {
  t.same(rrs(ask('anything.wild.example.com', 'A').answers), ['anything.wild.example.com 3600 A "192.0.2.80"'])
  t.same(rrs(ask('a.b.wild.example.com', 'A').answers), ['a.b.wild.example.com 3600 A "192.0.2.80"'])
  const nodata = ask('anything.wild.example.com', 'MX')
  t.equal(nodata.rcode, 'NOERROR')
  t.equal(nodata.answers?.length, 0)
  t.equal(ask('exists.wild.example.com', 'A').answers?.length, 0, 'an existing name is not covered by the wildcard')
  t.equal(ask('x.exists.wild.example.com', 'A').rcode, 'NXDOMAIN', 'the closest encloser has no wildcard child')
})

t.test('RFC 4592 4.3: a wildcard CNAME is synthesized and followed', async (t) => {
  t.same(rrs(ask('foo.wc.example.com', 'A').answers), ['foo.wc.example.com 3600 CNAME "host.example.com"', 'host.example.com 3600 A "192.0.2.10"'])
})

t.test('RFC 6672: a DNAME synthesizes a CNAME and the target is followed; YXDOMAIN when too long', async (t) => {
  t.same(rrs(ask('www.old.example.com', 'A').answers), [
    'old.example.com 3600 DNAME "new.example.com"', 'www.old.example.com 3600 CNAME "www.new.example.com"', 'www.new.example.com 3600 A "192.0.2.99"',
  ])
  const long = Array.from({ length: 4 }, () => 'x'.repeat(60)).join('.').slice(0, 230) + '.old.example.com'
  const many = ask(long.replace(/\.\./g, '.'), 'A')
  t.ok(['NOERROR', 'NXDOMAIN', 'YXDOMAIN'].includes(many.rcode))
})

t.test('additional section: addresses of in-zone MX, SRV and NS targets', async (t) => {
  t.same(rrs(ask('example.com', 'MX').additionals), ['mail.example.com 3600 A "192.0.2.25"'])
  t.same(rrs(ask('_sip._tcp.example.com', 'SRV').additionals), ['sip.example.com 3600 AAAA "2001:db8::60"'])
  t.same(rrs(ask('example.com', 'NS', { edns: true }).additionals), ['ns1.example.com 3600 A "192.0.2.53"'])
})

t.test('RFC 4892: CH TXT id.server and version.bind answer when configured, REFUSED otherwise', async (t) => {
  const named = new DnsResponder({ ...opts, chaosIdentity: 'node-a', chaosVersion: 'dnsplane 1' }, { getIndex: () => index, log: pino({ level: 'silent' }) })
  const id = ask('id.server', 'TXT', { qclass: 'CH', responder: named })
  t.equal(id.rcode, 'NOERROR')
  t.same((id.answers?.[0] as { data?: Buffer[] }).data?.map(String), ['node-a'])
  t.same((ask('VERSION.bind', 'TXT', { qclass: 'CH', responder: named }).answers?.[0] as { data?: Buffer[] }).data?.map(String), ['dnsplane 1'])
  t.equal(ask('id.server', 'TXT', { qclass: 'CH' }).rcode, 'REFUSED')
  t.equal(ask('other.bind', 'TXT', { qclass: 'CH', responder: named }).rcode, 'REFUSED')
})

t.test('RFC 8482: minimal ANY gives the RRset of the lowest type only', async (t) => {
  const minimal = new DnsResponder({ ...opts, minimalAny: true }, { getIndex: () => index, log: pino({ level: 'silent' }) })
  t.same(ask('example.com', 'ANY', { responder: minimal }).answers?.map((a) => a.type), ['NS'])
  t.equal(ask('example.com', 'ANY').answers?.length, 3, 'all RRsets without the option')
})

t.test('RFC 2181 5.2: TTL conflicts are logged once per record generation', async (t) => {
  const lines: string[] = []
  const log = pino({ level: 'warn' }, { write: (s: string) => void lines.push(s) })
  const r = new DnsResponder(opts, { getIndex: () => index, log })
  ask('host.example.com', 'A', { responder: r })
  ask('example.com', 'MX', { responder: r })
  t.equal(lines.length, 1)
  t.match(lines[0], /"name":"ttl.example.com".*"ttls":\[300,60\].*"ttl":60/)
})

t.test('RFC 2181 9: additional data that does not fit is left out without TC', async (t) => {
  const many = Array.from({ length: 12 }, (_, i) => rec(`mx${i}.big.test`, 'AAAA', `2001:db8::${i + 1}`))
  const big = RecordIndex.build([rec('big.test', 'SOA', SOA), ...Array.from({ length: 12 }, (_, i) => rec('big.test', 'MX', `${i} mx${i}.big.test.`)), ...many], 1)
  const r = new DnsResponder(opts, { getIndex: () => big, log: pino({ level: 'silent' }) })
  const small = ask('big.test', 'MX', { responder: r })
  t.notOk(small.flag_tc)
  t.equal(small.answers?.length, 12)
  t.equal(small.additionals?.length ?? 0, 0)
  const large = ask('big.test', 'MX', { responder: r, edns: true })
  t.equal(large.additionals?.filter((a) => a.type === 'AAAA').length, 12)
})

t.test('outside every zone a local CNAME chain is followed through exact names', async (t) => {
  const flat = RecordIndex.build([rec('a.flat', 'CNAME', 'b.flat.'), rec('b.flat', 'A', '192.0.2.1'), rec('b.flat', 'TXT', '"t"')], 1)
  const r = new DnsResponder({ ...opts, minimalAny: true }, { getIndex: () => flat, log: pino({ level: 'silent' }) })
  t.same(rrs(ask('a.flat', 'A', { responder: r }).answers), ['a.flat 3600 CNAME "b.flat"', 'b.flat 3600 A "192.0.2.1"'])
  t.same(ask('b.flat', 'ANY', { responder: r }).answers?.map((a) => a.type), ['A'])
})

t.test('a CNAME chain that leaves local data with forwarding off is answered with the chain, AA=1', async (t) => {
  const out = RecordIndex.build([rec('z.test', 'SOA', SOA), rec('a.z.test', 'CNAME', 'b.z.test.'), rec('b.z.test', 'CNAME', 'elsewhere.example.')], 1)
  const r = new DnsResponder(opts, { getIndex: () => out, log: pino({ level: 'silent' }) })
  const reply = ask('a.z.test', 'A', { responder: r })
  t.equal(reply.rcode, 'NOERROR')
  t.ok(reply.flag_aa)
  t.same(rrs(reply.answers), ['a.z.test 3600 CNAME "b.z.test"', 'b.z.test 3600 CNAME "elsewhere.example"'])
})

t.test('RFC 4592: a wildcard directly under a root zone is found too', async (t) => {
  const root = RecordIndex.build([rec('.', 'SOA', SOA), rec('*', 'TXT', '"any tld"')], 1)
  const r = new DnsResponder(opts, { getIndex: () => root, log: pino({ level: 'silent' }) })
  t.same(rrs(ask('nosuchtld', 'TXT', { responder: r }).answers), ['nosuchtld 3600 TXT [{"type":"Buffer","data":[97,110,121,32,116,108,100]}]'])
})

t.test('any mix of cuts, DNAMEs, wildcards and CNAMEs gives a well-formed reply (property)', async (t) => {
  const fc = (await import('fast-check')).default
  const label = fc.constantFrom('a', 'b', 'x', '*')
  const name = fc.array(label, { minLength: 0, maxLength: 3 }).map((ls) => [...ls, 'p.test'].join('.').replace(/^(.*)\*\.(.+)$/, (_m, pre: string, rest: string) => (pre === '' ? '*.' + rest : 'a.' + rest)))
  const target = fc.array(fc.constantFrom('a', 'b', 'x'), { maxLength: 3 }).map((ls) => [...ls, 'p.test'].join('.') + '.')
  const record = fc.oneof(
    fc.tuple(name, fc.constant('A'), fc.constant('192.0.2.1')),
    fc.tuple(name, fc.constant('CNAME'), target),
    fc.tuple(name, fc.constant('DNAME'), target),
    fc.tuple(name, fc.constant('NS'), target),
    fc.tuple(name, fc.constant('MX'), target.map((n) => '10 ' + n)),
  )
  const types = ['A', 'AAAA', 'CNAME', 'DNAME', 'NS', 'MX', 'DS', 'ANY']
  fc.assert(
    fc.property(fc.array(record, { maxLength: 12 }), fc.array(fc.tuple(name, fc.constantFrom(...types)), { minLength: 1, maxLength: 6 }), (recs, questions) => {
      const idx = RecordIndex.build([rec('p.test', 'SOA', SOA), ...recs.map(([n, ty, v]) => rec(n, ty, v))], 1)
      const r = new DnsResponder(opts, { getIndex: () => idx, log: pino({ level: 'silent' }) })
      for (const [qn, qt] of questions) {
        const reply = ask(qn, qt, { responder: r, edns: true })
        if (!['NOERROR', 'NXDOMAIN', 'YXDOMAIN'].includes(reply.rcode)) return false
        if ((reply.answers?.length ?? 0) > 2 * 6 + 8) return false // bounded by the hop limit
      }
      return true
    }),
    { numRuns: 300, seed: 14 },
  )
  t.pass('300 random zones answered')
})

t.test('a referral carries the addresses of NS targets held elsewhere in the zone, as knotd', async (t) => {
  const z = RecordIndex.build([...records, rec('sub2.example.com', 'NS', 'mail.example.com.')], 1)
  const r = new DnsResponder(opts, { getIndex: () => z, log: pino({ level: 'silent' }) })
  const reply = ask('www.sub2.example.com', 'A', { responder: r })
  t.notOk(reply.flag_aa)
  t.same(rrs(reply.additionals), ['mail.example.com 3600 A "192.0.2.25"'])
})
