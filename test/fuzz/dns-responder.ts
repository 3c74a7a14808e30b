/**
 * Fuzz: the DNS request handler (src/dns/serve/responder.ts DnsResponder.handle) with random bytes and
 * mutated valid queries, over UDP and TCP, with local records and a fake upstream. It must never
 * throw; it returns nothing or a reply that dns-packet decodes, within the transport's size limit,
 * carrying the query's id. (test/dns/wire.ts already fuzzes parseQuery alone.)
 * Bounded in CI; DNSPLANE_FUZZ_RUNS=<n> and DNSPLANE_FUZZ_SEED=random explore further.
 */
import t from 'tap'
import fc from 'fast-check'
import dnsPacket from 'dns-packet'
import { pino } from 'pino'
import { DnsResponder } from '../../src/dns/serve/server.js'
import type { UpstreamAnswer, UpstreamResolver } from '../../src/dns/forward/upstream.js'
import { RecordIndex } from '../../src/store/record-index.js'
import { parseRecordsFile } from '../../src/store/records-file.js'

const RUNS = Number(process.env.DNSPLANE_FUZZ_RUNS) || 1500
const SEED = process.env.DNSPLANE_FUZZ_SEED === 'random' ? undefined : Number(process.env.DNSPLANE_FUZZ_SEED) || 20261122

const records = parseRecordsFile(
  JSON.stringify({
    records: [
      { name: 'fuzz.test', type: 'SOA', value: 'ns1.fuzz.test. admin.fuzz.test. 1 3600 600 86400 60', ttl: 60 },
      { name: 'a.fuzz.test', type: 'A', value: '192.0.2.1', ttl: 60 },
      { name: 'a.fuzz.test', type: 'AAAA', value: '2001:db8::1', ttl: 60 },
      { name: 'alias.fuzz.test', type: 'CNAME', value: 'a.fuzz.test', ttl: 60 },
      { name: 'out.fuzz.test', type: 'CNAME', value: 'elsewhere.example', ttl: 60 },
      { name: 'loop1.fuzz.test', type: 'CNAME', value: 'loop2.fuzz.test', ttl: 60 },
      { name: 'loop2.fuzz.test', type: 'CNAME', value: 'loop1.fuzz.test', ttl: 60 },
      { name: 'fuzz.test', type: 'MX', value: '10 mail.fuzz.test', ttl: 60 },
      // 900 bytes of text in four character-strings (one string may hold at most 255, RFC 1035 3.3).
      { name: 'txt.fuzz.test', type: 'TXT', value: Array.from({ length: 4 }, () => `"${'x'.repeat(225)}"`).join(' '), ttl: 60 },
      { name: '_s._tcp.fuzz.test', type: 'SRV', value: '0 5 53 a.fuzz.test', ttl: 60 },
      ...Array.from({ length: 80 }, (_, i) => ({ name: 'many.fuzz.test', type: 'A', value: `198.51.100.${i}`, ttl: 60 })),
    ],
  }),
)

/** Answers every forwarded name with one A record, NXDOMAIN or nothing, by a hash of the name. */
const resolver: UpstreamResolver = {
  async resolve(q): Promise<UpstreamAnswer> {
    const h = [...q.name].reduce((n, c) => n + c.charCodeAt(0), 0) % 3
    if (h === 0) return { kind: 'none', reason: 'all_failed' }
    if (h === 1) return { kind: 'answer', rcode: 'NXDOMAIN', answers: [], authorities: [], fromCache: false }
    return { kind: 'answer', rcode: 'NOERROR', answers: [{ name: q.name, type: 'A', class: 'IN', ttl: 30, data: '203.0.113.9' }], authorities: [], fromCache: true }
  },
}

const responder = new DnsResponder(
  { bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: true, refuseAny: false, maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 200 },
  { getIndex: () => RecordIndex.build(records, 1), resolver, log: pino({ level: 'silent' }) },
)
t.teardown(() => responder.close())

async function check(msg: Buffer, transport: 'udp' | 'tcp'): Promise<boolean> {
  let reply: Buffer | undefined
  try {
    reply = await responder.handle(msg, transport, '192.0.2.200')
  } catch (err) {
    throw new Error(`handle threw on ${msg.toString('hex')} (${transport}): ${(err as Error).stack}`)
  }
  if (reply === undefined) return true
  if (!Buffer.isBuffer(reply)) return false
  if (reply.length > (transport === 'udp' ? 1232 : 65535)) throw new Error(`reply of ${reply.length} bytes over ${transport} for ${msg.toString('hex')}`)
  try {
    dnsPacket.decode(reply)
  } catch (err) {
    throw new Error(`undecodable reply ${reply.toString('hex')} to ${msg.toString('hex')}: ${(err as Error).message}`)
  }
  if (msg.length >= 2 && reply.readUInt16BE(0) !== msg.readUInt16BE(0)) throw new Error(`reply id differs for ${msg.toString('hex')}`)
  return true
}

const transport = fc.constantFrom<'udp' | 'tcp'>('udp', 'tcp')

t.test('never throws on arbitrary bytes; any reply decodes', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), transport, (b, tr) => check(Buffer.from(b), tr)),
    { numRuns: RUNS, seed: SEED },
  )
  t.pass('ok')
})

const names = fc.constantFrom(
  'a.fuzz.test', 'A.FUZZ.TEST', 'alias.fuzz.test', 'out.fuzz.test', 'loop1.fuzz.test', 'fuzz.test', 'txt.fuzz.test',
  'many.fuzz.test', '_s._tcp.fuzz.test', 'missing.fuzz.test', '1.2.0.192.in-addr.arpa', 'example.com', 'a\\.b.fuzz.test',
)
const types = fc.constantFrom('A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'PTR', 'SOA', 'NS', 'ANY', 'AXFR', 'OPT', 'CAA')

const validQuery = fc
  .record({ id: fc.nat(65535), name: names, type: types, rd: fc.boolean(), edns: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }), cls: fc.constantFrom('IN', 'CH', 'ANY') })
  .map((q) =>
    dnsPacket.encode({
      type: 'query',
      id: q.id,
      flags: q.rd ? dnsPacket.RECURSION_DESIRED : 0,
      questions: [{ name: q.name, type: q.type as 'A', class: q.cls as 'IN' }],
      additionals: q.edns === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: q.edns, flags: 0, options: [] } as never],
    }),
  )

t.test('valid queries of every kind get a decodable reply', async (t) => {
  await fc.assert(fc.asyncProperty(validQuery, transport, (q, tr) => check(q, tr)), { numRuns: RUNS, seed: SEED })
  t.pass('ok')
})

t.test('never throws on mutated and truncated valid queries; any reply decodes', async (t) => {
  await fc.assert(
    fc.asyncProperty(validQuery, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 5 }), fc.nat(), transport, (q, muts, cut, tr) => {
      const b = Buffer.from(q.subarray(0, Math.max(2, cut % (q.length + 1))))
      for (const [i, v] of muts) b[i % b.length] = v
      return check(b, tr)
    }),
    { numRuns: RUNS, seed: SEED },
  )
  t.pass('ok')
})
