import t from 'tap'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { TYPE_SOA } from '../../src/store/rr-types.js'
import { ZoneData } from '../../src/dns/local/zone-data.js'
import { buildZoneContent } from '../../src/zones/zone-content.js'
import { ContentSum } from '../../src/zones/zone-sum.js'

const rec = (name: string, type: string, value: string, ttl = 300): DnsRecord => ({
  name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})

/** The zone's RR keys and digest as one tree over all its records gives them (the reference for the owners built without a tree). */
function reference(apex: string, members: DnsRecord[], soaPrefix: string): { keys: string[]; digest: string } {
  const tree = new ZoneData({ records: members }, { autoBuildPtrFromA: false })
  const keys: string[] = []
  for (const node of tree.nodes.values()) {
    for (const set of node.sets()) {
      if (set.type === TYPE_SOA && node.key === apex) continue
      for (const rr of set.rrs) keys.push(rr.name + '|' + rr.body.toString('hex'))
    }
  }
  const sum = new ContentSum()
  for (const k of new Set(keys)) sum.add(k, 1)
  return { keys: [...new Set(keys)].sort(), digest: sum.digest(soaPrefix) }
}

t.test('owners of one record are turned into RRs without a tree, as a tree over the zone turns them', async (t) => {
  const members = [
    rec('Z.test', 'SOA', 'ns.z.test. h.z.test. 1 3600 900 604800 300', 3600),
    rec('z.test', 'NS', 'ns.z.test.'),
    rec('WWW.z.test', 'A', '192.0.2.1', 60), // one record, name in capitals: the key is lower-cased
    rec('two.z.test', 'A', '192.0.2.2', 60),
    rec('two.z.test', 'A', '192.0.2.2', 90), // a duplicate with another TTL: one RR, the last TTL
    rec('mail.z.test', 'MX', '10 Mail.Z.test.'),
    rec('txt.z.test', 'TXT', '"a b" c'),
    rec('sub.z.test', 'SOA', 'ns.z.test. h.z.test. 2 3600 900 604800 300'), // a SOA away from the apex is an RR of the zone here
    rec('192.0.2.9', 'PTR', 'h.z.test.'), // an IP-form PTR alone at its reverse name
    rec('odd\\.name.z.test', 'A', '192.0.2.3'), // escapes: a tree of its own
    rec('gen.z.test', 'TYPE65534', '\\# 2 abcd'),
    rec('bad.z.test', 'CAA', 'not a caa value'), // does not encode: no RR
    rec('v6.z.test', 'AAAA', '2001:db8::1'),
  ]
  const zone = buildZoneContent('z.test', members)
  if (!zone) throw new Error('no zone')
  const ref = reference('z.test', members, zone.soaTtl + '|' + zone.soaRdata.toString('hex'))
  t.same([...zone.rrs.keys()].sort(), ref.keys, 'the same RRs')
  t.equal(zone.rrCount, ref.keys.length, 'the same count')
  t.equal(zone.digest, ref.digest, 'the same digest')
  t.notOk([...zone.rrs.keys()].some((k) => k.includes('bad.z.test')), 'a value that does not encode makes no RR')
  t.ok(zone.rrs.has([...zone.rrs.keys()].find((k) => k.startsWith('www.z.test|')) as string), 'owner key lower-cased')
})

t.test('a large zone of one-record owners: the same digest as one tree over it', async (t) => {
  const members = [rec('big.test', 'SOA', 'ns.big.test. h.big.test. 1 3600 900 604800 300')]
  for (let i = 0; i < 2000; i++) members.push(rec(`h${i}.big.test`, i % 3 === 0 ? 'AAAA' : 'A', i % 3 === 0 ? `2001:db8::${i.toString(16)}` : `10.0.${i >> 8}.${i & 255}`, 60 + (i % 5)))
  const zone = buildZoneContent('big.test', members)
  if (!zone) throw new Error('no zone')
  const ref = reference('big.test', members, zone.soaTtl + '|' + zone.soaRdata.toString('hex'))
  t.equal(zone.digest, ref.digest)
  t.equal(zone.rrCount, 2000)
})
