import { createHash } from 'node:crypto'
import t from 'tap'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { buildZoneContent, rrKey, rrOfKey, zoneRRs } from '../../src/zones/zone-content.js'

const rec = (name: string, type: string, value: string, ttl = 300): DnsRecord => ({ name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
const zone = (): DnsRecord[] => [
  rec('z.test', 'SOA', 'ns.z.test. h.z.test. 7 3600 900 604800 300', 600),
  rec('z.test', 'NS', 'ns.z.test.'),
  rec('www.z.test', 'A', '192.0.2.1'),
  rec('www.z.test', 'A', '192.0.2.200'),
  rec('t.z.test', 'TXT', '"caf\u00e9 \u00ff"'),
]

t.test('an RR key stands for its RR exactly: any owner text, any body byte', async (t) => {
  const body = Buffer.from([0, 1, 0x7c, 0x80, 0xff, 0, 0, 0, 0, 0])
  for (const name of ['a.test', 'x|y.test', '', 'é.test', 'a'.repeat(253)]) {
    const back = rrOfKey(rrKey(name, body))
    t.equal(back.name, name)
    t.same([...back.body], [...body])
    t.equal(back.key, rrKey(name, body))
  }
  t.not(rrKey('a.b', Buffer.from('c')), rrKey('a', Buffer.from('.bc')), 'the owner length keeps owner and body apart')
})

t.test('a zone keeps its RRs as key strings only; zoneRRs gives them back in tree order; the digest keeps its persisted form', async (t) => {
  const z = buildZoneContent('z.test', zone())
  if (!z) throw new Error('no zone')
  t.equal(z.rrs.size, 4, 'every RR but the SOA')
  t.ok([...z.rrs].every((k) => typeof k === 'string'), 'no object or Buffer per RR')
  const rrs = [...zoneRRs(z)]
  t.same(rrs.map((rr) => rr.name), ['z.test', 'www.z.test', 'www.z.test', 't.z.test'])
  t.same(rrs[1].body.subarray(10), Buffer.from([192, 0, 2, 1]))
  // the text the digest hashes (owner|hex body, sorted) is what older versions stored in the serial file
  const hexKeys = rrs.map((rr) => rr.name + '|' + rr.body.toString('hex')).sort()
  const want = createHash('sha256').update(z.soaTtl + '|' + z.soaRdata.toString('hex') + '\n' + hexKeys.join('\n')).digest('hex').slice(0, 32)
  t.equal(z.digest, want)
  t.notOk('stamps' in z, 'no per-record stamp strings kept')
})
