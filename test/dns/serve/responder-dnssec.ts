/**
 * Online signing in the responder: DO queries for the signed zone get RRSIGs, the DNSKEY RRset and compact
 * denial; everything else gets the bytes it got without a signer; the fast path serves signed answers until
 * their signatures are due to be refreshed.
 */
import t, { type Test } from 'tap'
import dnsPacket from 'dns-packet'
import pino from 'pino'
import { DnsResponder } from '../../../src/dns/serve/responder.js'
import type { DnsServerOptions } from '../../../src/dns/serve/options.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import { OnlineSigner, SIGNATURE_VALIDITY_S } from '../../../src/dnssec/online-signer.js'
import { verifySignature } from '../../../src/dnssec/algorithms.js'
import { parseRrsigRdata, signingInput } from '../../../src/dnssec/canonical.js'
import { parseTypeBitmap } from '../../../src/dnssec/nsec.js'
import { encodeName } from '../../../src/dns/wire/rdata.js'
import { generatedKey } from '../../helpers/dnssec-keys.js'

const rec = (name: string, type: string, value: string, ttl = 300): DnsRecord => ({ name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
const base = [
  rec('zone.test', 'SOA', 'ns1.zone.test. hostmaster.zone.test. 7 3600 900 604800 300'),
  rec('zone.test', 'NS', 'ns1.zone.test.'),
  rec('a.zone.test', 'A', '192.0.2.1'),
  rec('b.zone.test', 'A', '192.0.2.2'),
  rec('*.w.zone.test', 'TXT', '"wild"'),
  rec('sub.zone.test', 'NS', 'ns.sub.zone.test.'),
  rec('ns.sub.zone.test', 'A', '192.0.2.53'),
  rec('other.test', 'A', '192.0.2.99'),
  ...Array.from({ length: 30 }, (_, i) => rec('big.zone.test', 'A', `192.0.2.${i + 10}`)),
]
const opts: DnsServerOptions = {
  bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: false, refuseAny: false,
  maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 100,
}
const zsk = generatedKey(13, 'zone.test')
const ksk = generatedKey(13, 'zone.test', true)
const START = Date.UTC(2026, 10, 1)

function setup(records = base) {
  let index = RecordIndex.build(records, 1)
  const clock = { now: START }
  const signer = new OnlineSigner([ksk, zsk], 'zone.test')
  const deps = { getIndex: () => index, log: pino({ level: 'silent' }), now: () => clock.now }
  const r = new DnsResponder(opts, { ...deps, signer })
  const plain = new DnsResponder(opts, deps)
  return { r, plain, signer, clock, setIndex: (i: RecordIndex) => (index = i) }
}

const DO = 0x8000
function query(name: string, type: string, ednsFlags?: number, udp = 1232, id = 1): Buffer {
  const additionals = ednsFlags === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: udp, flags: ednsFlags } as unknown as dnsPacket.Answer]
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }], additionals })
}
const types = (rrs: dnsPacket.Answer[] | undefined) => (rrs ?? []).map((a) => `${a.name} ${a.type}`)

/** The uncompressed wire name at `off` of `msg` and the offset after it (pointers followed). */
function readName(msg: Buffer, off: number): { wire: Buffer; end: number } {
  const parts: Buffer[] = []
  let end = -1
  for (let i = off; ; ) {
    const len = msg[i]
    if ((len & 0xc0) === 0xc0) {
      if (end < 0) end = i + 2
      i = ((len & 0x3f) << 8) | msg[i + 1]
      continue
    }
    parts.push(msg.subarray(i, i + 1 + len))
    if (len === 0) return { wire: Buffer.concat(parts), end: end < 0 ? i + 1 : end }
    i += 1 + len
  }
}

/** Answer and authority RRs: owner (wire), type, RDATA with SOA names decompressed. */
function rawRRs(msg: Buffer): { owner: Buffer; type: number; rdata: Buffer }[] {
  let off = readName(msg, 12).end + 4
  const out: { owner: Buffer; type: number; rdata: Buffer }[] = []
  for (let i = 0; i < msg.readUInt16BE(6) + msg.readUInt16BE(8); i++) {
    const owner = readName(msg, off)
    const type = msg.readUInt16BE(owner.end)
    const start = owner.end + 10
    const end = start + msg.readUInt16BE(owner.end + 8)
    let rdata = msg.subarray(start, end)
    if (type === 6) {
      const m = readName(msg, start)
      const r = readName(msg, m.end)
      rdata = Buffer.concat([m.wire, r.wire, msg.subarray(r.end, r.end + 20)])
    }
    out.push({ owner: owner.wire, type, rdata })
    off = end
  }
  return out
}

/** Verifies every RRSIG of the answer and authority sections against the RRset before it. */
function verifyAll(t: Test, msg: Buffer): number {
  const rrs = rawRRs(msg)
  let n = 0
  for (const sig of rrs.filter((r) => r.type === 46)) {
    const p = parseRrsigRdata(sig.rdata)!
    const set = rrs.filter((r) => r.owner.equals(sig.owner) && r.type === p.fields.typeCovered).map((r) => r.rdata)
    const key = [zsk, ksk].find((k) => k.keyTag === p.fields.keyTag)!
    t.ok(verifySignature(p.fields.algorithm, key.publicKey, signingInput(p.fields, sig.owner, set)!, p.signature), `RRSIG over type ${p.fields.typeCovered} verifies`)
    n++
  }
  return n
}

t.test('without DO the bytes are those of a responder without a signer', async (t) => {
  const { r, plain } = setup()
  for (const [name, type, flags] of [['a.zone.test', 'A', undefined], ['a.zone.test', 'A', 0], ['nope.zone.test', 'A', 0], ['a.zone.test', 'TXT', undefined], ['zone.test', 'DNSKEY', 0], ['x.w.zone.test', 'TXT', undefined], ['other.test', 'A', DO]] as const) {
    for (let i = 0; i < 2; i++) {
      const q = query(name, type, flags)
      t.equal((r.handle(q, 'udp') as Buffer).toString('hex'), (plain.handle(q, 'udp') as Buffer).toString('hex'), `${name} ${type} edns=${flags} (${i === 0 ? 'general path' : 'fast path'})`)
    }
  }
})

t.test('DO: RRSIGs that verify, the DO bit in the reply, the DNSKEY RRset', async (t) => {
  const { r } = setup()
  // the same question without DO first: its fast-path entry must not answer the DO query (DO is in the key)
  r.handle(query('a.zone.test', 'A', 0), 'udp')
  const out = r.handle(query('a.zone.test', 'A', DO), 'udp') as Buffer
  const d = dnsPacket.decode(out)
  t.same(types(d.answers), ['a.zone.test A', 'a.zone.test RRSIG'])
  t.equal((d.additionals?.[0] as unknown as { flags: number }).flags & DO, DO, 'DO copied (RFC 3225 3)')
  t.equal(verifyAll(t, out), 1)
  const keys = r.handle(query('zone.test', 'DNSKEY', DO), 'tcp') as Buffer
  const k = dnsPacket.decode(keys)
  t.same(types(k.answers), ['zone.test DNSKEY', 'zone.test DNSKEY', 'zone.test RRSIG'], 'both keys, signed by the KSK only')
  t.equal(k.rcode, 'NOERROR')
  verifyAll(t, keys)
})

t.test('DO: compact denial for NXDOMAIN and NODATA, the wildcard proof, a referral', async (t) => {
  const { r } = setup()
  const nx = r.handle(query('nope.zone.test', 'A', DO), 'tcp') as Buffer
  const dn = dnsPacket.decode(nx)
  t.equal(dn.rcode, 'NOERROR', 'RFC 9824: NOERROR')
  t.same(types(dn.authorities), ['zone.test SOA', 'zone.test RRSIG', 'nope.zone.test NSEC', 'nope.zone.test RRSIG'])
  const nsec = rawRRs(nx).find((x) => x.type === 47)!
  t.same(parseTypeBitmap(nsec.rdata.subarray(encodeName('\\000.nope.zone.test')!.length)), [46, 47, 128])
  verifyAll(t, nx)
  const nodata = r.handle(query('zone.test', 'TXT', DO), 'tcp') as Buffer
  const apexNsec = rawRRs(nodata).find((x) => x.type === 47)!
  t.same(parseTypeBitmap(apexNsec.rdata.subarray(encodeName('\\000.zone.test')!.length)), [2, 6, 46, 47, 48], 'apex types incl. DNSKEY')
  verifyAll(t, nodata)
  const wild = r.handle(query('x.y.w.zone.test', 'TXT', DO), 'tcp') as Buffer
  const dw = dnsPacket.decode(wild)
  t.same(types(dw.answers), ['x.y.w.zone.test TXT', 'x.y.w.zone.test RRSIG'])
  t.equal(parseRrsigRdata(rawRRs(wild)[1].rdata)!.fields.labels, 3, 'the wildcard label count')
  t.same(rawRRs(wild).slice(2).map((x) => [x.owner.toString('hex'), x.type]), [[encodeName('x\\255.w.zone.test')!.toString('hex'), 47], [encodeName('x\\255.w.zone.test')!.toString('hex'), 46]], 'the covering NSEC just before y.w')
  t.equal(verifyAll(t, wild), 2)
  const ref = r.handle(query('host.sub.zone.test', 'A', DO), 'tcp') as Buffer
  const dr = dnsPacket.decode(ref)
  t.same(types(dr.authorities), ['sub.zone.test NS', 'sub.zone.test NSEC', 'sub.zone.test RRSIG'], 'NS unsigned, NSEC without DS')
  t.same(types(dr.additionals).filter((x) => !x.includes('OPT')), ['ns.sub.zone.test A'], 'glue unsigned')
  verifyAll(t, ref)
})

t.test('the fast path serves signed answers until they are due for refresh; a changed RRset alone is signed again', async (t) => {
  const { r, signer, clock, setIndex } = setup()
  const first = r.handle(query('a.zone.test', 'A', DO, 1232, 1), 'udp') as Buffer
  const made = signer.signed
  const again = r.handle(query('a.zone.test', 'A', DO, 1232, 2), 'udp') as Buffer
  t.equal(r.fast.pendingKey, undefined, 'a fast-path hit')
  t.equal(again.subarray(2).toString('hex'), first.subarray(2).toString('hex'))
  t.equal(signer.signed, made, 'nothing signed again')
  clock.now = START + SIGNATURE_VALIDITY_S * 0.8 * 1000
  r.handle(query('a.zone.test', 'A', DO), 'udp')
  t.equal(signer.signed, made + 1, 'past three quarters of the validity the RRset is signed anew')
  r.handle(query('b.zone.test', 'A', DO), 'udp')
  const afterB = signer.signed
  setIndex(RecordIndex.build(base.map((x) => (x.name === 'a.zone.test' ? { ...x, value: '192.0.2.77' } : x)), 2))
  r.handle(query('b.zone.test', 'A', DO), 'tcp')
  t.equal(signer.signed, afterB, 'b unchanged: its signature comes from the cache')
  r.handle(query('a.zone.test', 'A', DO), 'tcp')
  t.equal(signer.signed, afterB + 1, 'a changed: signed again')
})

t.test('a signed answer too large for the UDP size is truncated', async (t) => {
  const { r } = setup()
  const out = r.handle(query('big.zone.test', 'A', DO, 512), 'udp') as Buffer
  t.equal(out[2] & 0x02, 0x02, 'TC')
  t.equal(dnsPacket.decode(out).answers?.length, 0)
  const tcp = r.handle(query('big.zone.test', 'A', DO, 512), 'tcp') as Buffer
  t.same(types(dnsPacket.decode(tcp).answers).slice(-1), ['big.zone.test RRSIG'])
})
