import t from 'tap'
import dnsPacket from 'dns-packet'
import { addressOfReverseName, LocalAnswerer, type LocalOutcome } from '../../../src/dns/local/answer.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import { encodeResponse } from '../../../src/dns/wire/encode-response.js'

const rec = (name: string, type: string, value: string, ttl = 3600): DnsRecord => ({
  name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})

const index = RecordIndex.build([
  rec('example.com', 'SOA', 'ns1.example.com. hostmaster.example.com. 1 3600 900 604800 300', 3600),
  rec('example.com', 'NS', 'ns1.example.com.'),
  rec('example.com', 'MX', '10 mail.example.com.'),
  rec('example.com', 'MX', '20 mail2.example.com.'),
  rec('Host.example.com', 'A', '192.0.2.1'),
  rec('host.example.com', 'A', '192.0.2.2'),
  rec('host.example.com', 'AAAA', '2001:db8::1'),
  rec('www.example.com', 'CNAME', 'host.example.com'),
  rec('w2.example.com', 'CNAME', 'www.example.com.'),
  rec('out.example.com', 'CNAME', 'elsewhere.net'),
  rec('loop1.example.com', 'CNAME', 'loop2.example.com'),
  rec('loop2.example.com', 'CNAME', 'loop1.example.com'),
  rec('bad.example.com', 'A', 'not-an-ip'),
  rec('a.b.deep.example.com', 'A', '192.0.2.9'),
  rec('txt.example.com', 'TXT', '"v=spf1 -all" "second"'),
  rec('192.0.2.50', 'PTR', 'explicit.example.com'),
  rec('9.2.0.192.in-addr.arpa', 'PTR', 'literal.example.com'),
  rec('unzoned.test', 'A', '198.51.100.1'),
  rec('localhost', 'TXT', '"mine"'),
], 3)

/** Decodes the answer's RRs through a full message so that the bytes are checked, not our structures. */
function decode(o: LocalOutcome, qname: string): dnsPacket.DecodedPacket {
  if (o.kind !== 'answer') throw new Error('not an answer: ' + o.kind)
  const question = dnsPacket.encode({ questions: [{ name: qname, type: 'A' }] }).subarray(12)
  return dnsPacket.decode(encodeResponse({ id: 1, flags: 0x8400, question, qkey: qname.toLowerCase(), answers: o.answers, authorities: o.authorities }))
}
const data = (p: dnsPacket.DecodedPacket): unknown[] => (p.answers ?? []).map((a) => [a.name.toLowerCase(), a.type, (a as { data: unknown }).data])

const answerer = new LocalAnswerer({ localRecordsEnabled: true, autoBuildPtrFromA: true })
const A = 1, AAAA = 28, MX = 15, TXT = 16, PTR = 12, CNAME = 5, SRV = 33, ANY = 255

const table: { name: string; q: string; type: number; rcode?: string; answers?: unknown[]; soaTtl?: number; forward?: { target: string; chain: number; nodata: boolean } }[] = [
  { name: 'answers every A of the RRset whatever the case', q: 'HOST.example.com', type: A, rcode: 'NOERROR', answers: [['host.example.com', 'A', '192.0.2.1'], ['host.example.com', 'A', '192.0.2.2']] },
  { name: 'answers both MX values', q: 'example.com', type: MX, rcode: 'NOERROR', answers: [['example.com', 'MX', { preference: 10, exchange: 'mail.example.com' }], ['example.com', 'MX', { preference: 20, exchange: 'mail2.example.com' }]] },
  { name: 'follows a two-hop CNAME chain inside local data', q: 'w2.example.com', type: A, rcode: 'NOERROR', answers: [['w2.example.com', 'CNAME', 'www.example.com'], ['www.example.com', 'CNAME', 'host.example.com'], ['host.example.com', 'A', '192.0.2.1'], ['host.example.com', 'A', '192.0.2.2']] },
  { name: 'answers a CNAME question with the CNAME only', q: 'www.example.com', type: CNAME, rcode: 'NOERROR', answers: [['www.example.com', 'CNAME', 'host.example.com']] },
  { name: 'stops a CNAME loop and answers the chain', q: 'loop1.example.com', type: A, rcode: 'NOERROR', answers: [['loop1.example.com', 'CNAME', 'loop2.example.com'], ['loop2.example.com', 'CNAME', 'loop1.example.com']] },
  { name: 'NXDOMAIN with the SOA (TTL = min(TTL, MINIMUM)) for a missing name in a local zone', q: 'nope.example.com', type: A, rcode: 'NXDOMAIN', answers: [], soaTtl: 300 },
  { name: 'NODATA for a name that exists without the asked type', q: 'host.example.com', type: MX, rcode: 'NOERROR', answers: [], soaTtl: 300 },
  { name: 'NODATA for an empty non-terminal (RFC 8020)', q: 'b.deep.example.com', type: A, rcode: 'NOERROR', answers: [], soaTtl: 300 },
  { name: 'skips a value that does not parse (NODATA when nothing is left)', q: 'bad.example.com', type: A, rcode: 'NOERROR', answers: [], soaTtl: 300 },
  { name: 'answers TXT with several strings', q: 'txt.example.com', type: TXT, rcode: 'NOERROR', answers: [['txt.example.com', 'TXT', [Buffer.from('v=spf1 -all'), Buffer.from('second')]]] },
  { name: 'PTR from an A record for an in-addr.arpa name', q: '1.2.0.192.in-addr.arpa', type: PTR, rcode: 'NOERROR', answers: [['1.2.0.192.in-addr.arpa', 'PTR', 'host.example.com']] },
  { name: 'PTR from an AAAA record for an ip6.arpa name', q: '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', type: PTR, rcode: 'NOERROR', answers: [['1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', 'PTR', 'host.example.com']] },
  { name: 'PTR from an explicit record keyed by IP', q: '50.2.0.192.in-addr.arpa', type: PTR, rcode: 'NOERROR', answers: [['50.2.0.192.in-addr.arpa', 'PTR', 'explicit.example.com']] },
  { name: 'PTR from an explicit record named by the reverse name', q: '9.2.0.192.in-addr.arpa', type: PTR, rcode: 'NOERROR', answers: [['9.2.0.192.in-addr.arpa', 'PTR', 'literal.example.com'], ['9.2.0.192.in-addr.arpa', 'PTR', 'a.b.deep.example.com']] },
  { name: 'localhost A is built in', q: 'localhost', type: A, rcode: 'NOERROR', answers: [['localhost', 'A', '127.0.0.1']] },
  { name: 'local records for localhost win over the built-in', q: 'localhost', type: TXT, rcode: 'NOERROR', answers: [['localhost', 'TXT', [Buffer.from('mine')]]] },
  { name: 'localhost with another type is NODATA, never forwarded', q: 'localhost', type: SRV, rcode: 'NOERROR', answers: [] },
  { name: 'ANY returns every record of the name', q: 'host.example.com', type: ANY, rcode: 'NOERROR', answers: [['host.example.com', 'A', '192.0.2.1'], ['host.example.com', 'A', '192.0.2.2'], ['host.example.com', 'AAAA', '2001:db8::1']] },
  { name: 'forwards a name outside every local zone', q: 'example.org', type: A, forward: { target: 'example.org', chain: 0, nodata: false } },
  { name: 'forwards a local name without the type and no SOA, NODATA on a miss', q: 'unzoned.test', type: AAAA, forward: { target: 'unzoned.test', chain: 0, nodata: true } },
  { name: 'forwards the target of a CNAME that leaves local data, with the chain', q: 'out.example.com', type: A, forward: { target: 'elsewhere.net', chain: 1, nodata: true } },
  { name: 'forwards a PTR for an address with no local data', q: '7.7.7.7.in-addr.arpa', type: PTR, forward: { target: '7.7.7.7.in-addr.arpa', chain: 0, nodata: false } },
]

for (const c of table) {
  t.test(c.name, async (t) => {
    const o = answerer.answer(index, c.q.toLowerCase(), c.type)
    if (c.forward) {
      t.equal(o.kind, 'forward')
      if (o.kind !== 'forward') return
      t.same({ target: o.target, chain: o.chain.length, nodata: o.nodataOnMiss }, c.forward)
      return
    }
    t.equal(o.kind, 'answer')
    if (o.kind !== 'answer') return
    t.equal(o.rcode, c.rcode)
    const p = decode(o, c.q)
    t.same(data(p), c.answers)
    if (c.soaTtl !== undefined) {
      t.equal(p.authorities?.[0]?.type, 'SOA')
      t.equal((p.authorities?.[0] as { ttl?: number } | undefined)?.ttl, c.soaTtl)
    } else t.equal(p.authorities?.length ?? 0, 0)
  })
}

t.test('does not synthesize PTR from A records when autoBuildPtrFromA is off', async (t) => {
  const off = new LocalAnswerer({ localRecordsEnabled: true, autoBuildPtrFromA: false })
  t.equal(off.answer(index, '1.2.0.192.in-addr.arpa', PTR).kind, 'forward')
  t.equal(off.answer(index, '50.2.0.192.in-addr.arpa', PTR).kind, 'answer')
})

t.test('forwards everything but localhost when local records are disabled', async (t) => {
  const off = new LocalAnswerer({ localRecordsEnabled: false, autoBuildPtrFromA: true })
  t.equal(off.answer(index, 'host.example.com', A).kind, 'forward')
  t.equal(off.answer(index, 'localhost', A).kind, 'answer')
})

t.test('sees the new records when the index generation changes', async (t) => {
  const a = new LocalAnswerer({ localRecordsEnabled: true, autoBuildPtrFromA: true })
  const one = RecordIndex.build([rec('x.test', 'A', '192.0.2.1')], 1)
  const two = RecordIndex.build([rec('x.test', 'A', '192.0.2.2')], 2)
  t.same(data(decode(a.answer(one, 'x.test', A), 'x.test')), [['x.test', 'A', '192.0.2.1']])
  t.same(data(decode(a.answer(two, 'x.test', A), 'x.test')), [['x.test', 'A', '192.0.2.2']])
})

const reverse: [string, string | undefined][] = [
  ['4.3.2.1.in-addr.arpa', '1.2.3.4'],
  ['3.2.1.in-addr.arpa', undefined],
  ['256.3.2.1.in-addr.arpa', undefined],
  ['1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', '2001:0db8:0000:0000:0000:0000:0000:0001'],
  ['x.ip6.arpa', undefined],
  ['example.com', undefined],
]
for (const [name, want] of reverse) t.test(`reverse name ${name} stands for ${want}`, async (t) => t.equal(addressOfReverseName(name), want))
