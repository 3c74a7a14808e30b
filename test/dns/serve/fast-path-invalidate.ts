import t from 'tap'
import dnsPacket from 'dns-packet'
import pino from 'pino'
import { DnsResponder, type DnsServerOptions } from '../../../src/dns/serve/server.js'
import { FastPathCache } from '../../../src/dns/serve/fast-path.js'
import type { RecordDelta } from '../../../src/store/index-delta.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'

let ids = 0
const rec = (name: string, type: string, value: string): DnsRecord => ({
  id: 'r' + ++ids, name, type, value, ttl: 300, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const opts: DnsServerOptions = {
  bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: true, refuseAny: false,
  maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 100,
}
const log = pino({ level: 'silent' })
const query = (name: string, type = 'A'): Buffer => dnsPacket.encode({ type: 'query', id: 7, questions: [{ name, type: type as 'A' }] })

/** The answers of a reply, as `name type data`. */
const answersOf = (b: Buffer | undefined): string[] => dnsPacket.decode(b as Buffer).answers?.map((a) => `${a.name} ${a.type} ${String((a as { data: unknown }).data)}`) ?? []

t.test('a write drops only the fast-path entries whose answer read what it touched', async (t) => {
  const soa = rec('z.test', 'SOA', 'ns.z.test. h.z.test. 1 2 3 4 5')
  const a = rec('a.z.test', 'A', '192.0.2.1')
  const b = rec('b.z.test', 'A', '192.0.2.2')
  const mx = rec('z.test', 'MX', '10 a.z.test.')
  let index = RecordIndex.build([soa, a, b, mx], 1)
  const change = (next: DnsRecord[], delta: RecordDelta): void => {
    index = RecordIndex.build(next, index.generation + 1).follows(index, delta)
  }
  const r = new DnsResponder(opts, { getIndex: () => index, log })
  for (const [name, type] of [['a.z.test', 'A'], ['b.z.test', 'A'], ['z.test', 'MX'], ['new.z.test', 'A'], ['c.new.z.test', 'TXT']]) r.handle(query(name, type), 'udp')
  t.equal(r.fast.size, 5)

  const a2 = { ...a, value: '192.0.2.11' }
  change([soa, a2, b, mx], { removed: [], added: [], replaced: [[a, a2]] })
  r.follow(index)
  t.equal(r.fast.size, 3, 'a.z.test A and the MX (its additional is a.z.test) dropped; b.z.test and both NXDOMAINs kept')
  t.same(answersOf(r.handle(query('a.z.test'), 'udp') as Buffer), ['a.z.test A 192.0.2.11'])
  t.equal(r.fast.pendingKey !== undefined, true, 'a.z.test took the general path')
  r.handle(query('b.z.test'), 'udp')
  t.equal(r.fast.pendingKey, undefined, 'b.z.test still a fast-path hit')

  const added = rec('x.c.new.z.test', 'TXT', '"hi"')
  change([soa, a2, b, mx, added], { removed: [], added: [added], replaced: [] })
  r.handle(query('b.z.test'), 'udp')
  t.equal(r.fast.pendingKey, undefined, 'an unrelated add keeps b.z.test')
  t.equal(dnsPacket.decode(r.handle(query('new.z.test'), 'udp') as Buffer).rcode, 'NOERROR', 'new.z.test now exists (empty non-terminal): NODATA, not the cached NXDOMAIN')
  t.equal(dnsPacket.decode(r.handle(query('c.new.z.test', 'TXT'), 'udp') as Buffer).rcode, 'NOERROR')

  change([a2, b, mx, added], { removed: [soa], added: [], replaced: [] })
  r.handle(query('b.z.test'), 'udp')
  t.equal(r.fast.pendingKey !== undefined, true, 'the zone apex went away: every answer under it is dropped')
})

t.test('entries stored without what they read, and a rebuild, drop on any change', async (t) => {
  const c = new FastPathCache(1232)
  const i1 = RecordIndex.build([], 1)
  const msg = query('q.test')
  const key = c.lookup(msg, i1) as string
  c.store(key, { bytes: Buffer.alloc(40), qname: 'q.test', qtype: 'A', rcode: 'NOERROR' })
  c.advance(i1, new Set())
  t.equal(c.size, 1, 'same index: nothing to do')
  const i2 = RecordIndex.build([], 2)
  c.advance(i2, new Set(['nother']))
  t.equal(c.size, 0, 'stored blind: dropped')
  c.store(key, { bytes: Buffer.alloc(40), qname: 'q.test', qtype: 'A', rcode: 'NOERROR' }, ['nq.test', 'eq.test'])
  c.store(key, { bytes: Buffer.alloc(40), qname: 'q.test', qtype: 'A', rcode: 'NOERROR' }, ['nq.test'])
  c.advance(RecordIndex.build([], 3), new Set(['eq.test']))
  t.equal(c.size, 1, 'a replaced entry forgets what the old one read')
  c.advance(RecordIndex.build([], 4), undefined)
  t.equal(c.size, 0, 'rebuilt: everything dropped')
})

t.test('a stored response shorter than its question is not kept', async (t) => {
  const c = new FastPathCache(1232)
  const i1 = RecordIndex.build([], 1)
  const key = c.lookup(query('q.test'), i1) as string
  c.store(key, { bytes: Buffer.alloc(20), qname: 'q.test', qtype: 'A', rcode: 'NOERROR' })
  t.equal(c.size, 0)
  t.type(c.lookup(query('q.test'), i1), 'string', 'still a miss')
})
