import t from 'tap'
import fc from 'fast-check'
import dnsPacket from 'dns-packet'
import { encodeResponse } from '../../../src/dns/wire/encode-response.js'
import { FAST_KEY_MAX_BYTES, parseQuery, responseFlags, scanFastQuery, type FastScan } from '../../../src/dns/wire/wire.js'

const query = (name: string, type = 'A', opts: { edns?: number; id?: number } = {}): Buffer =>
  dnsPacket.encode({
    type: 'query', id: opts.id ?? 7, flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'A' }],
    additionals: opts.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns } as dnsPacket.Answer] : [],
  })

t.test('parses the question and keeps the name case in qname, lower-cases qkey', async (t) => {
  const p = parseQuery(query('WwW.Example.COM', 'MX'))
  t.equal(p.kind, 'query')
  if (p.kind !== 'query') return
  t.equal(p.query.qname, 'WwW.Example.COM')
  t.equal(p.query.qkey, 'www.example.com')
  t.equal(p.query.qtype, 15)
  t.equal(p.query.edns, undefined)
})

t.test('reads the EDNS UDP size from the OPT record', async (t) => {
  const p = parseQuery(query('a.example', 'A', { edns: 4096 }))
  t.equal(p.kind === 'query' && p.query.edns?.udpSize, 4096)
})

t.test('escapes dots and odd bytes inside labels', async (t) => {
  const msg = Buffer.concat([Buffer.from('000100000001000000000000', 'hex'), Buffer.from([3, 0x61, 0x2e, 0x00, 0]), Buffer.from('00010001', 'hex')])
  const p = parseQuery(msg)
  t.equal(p.kind === 'query' && p.query.qname, 'a\\.\\000')
})

const header = (flags: number, qd: number, an = 0, ns = 0, ar = 0): Buffer => {
  const b = Buffer.alloc(12)
  b.writeUInt16BE(0x1234, 0)
  b.writeUInt16BE(flags, 2)
  b.writeUInt16BE(qd, 4)
  b.writeUInt16BE(an, 6)
  b.writeUInt16BE(ns, 8)
  b.writeUInt16BE(ar, 10)
  return b
}
const q1 = Buffer.from('0161000001' + '0001', 'hex') // "a." A IN

const bad: [string, Buffer, string][] = [
  ['drops a message shorter than a header', Buffer.alloc(11), 'drop'],
  ['drops a response (QR=1)', Buffer.concat([header(0x8000, 1), q1]), 'drop'],
  ['answers NOTIMP to opcode UPDATE', Buffer.concat([header(5 << 11, 1), q1]), 'NOTIMP'],
  ['answers FORMERR to QDCOUNT 0', header(0, 0), 'FORMERR'],
  ['answers FORMERR to QDCOUNT 2', Buffer.concat([header(0, 2), q1, q1]), 'FORMERR'],
  ['answers FORMERR to a truncated question', Buffer.concat([header(0, 1), Buffer.from('016100', 'hex')]), 'FORMERR'],
  ['answers FORMERR to a compression pointer in the question', Buffer.concat([header(0, 1), Buffer.from('c00c00010001', 'hex')]), 'FORMERR'],
  ['answers FORMERR to a pointer loop', Buffer.concat([header(0, 1), Buffer.from('c00e00010001c00c', 'hex')]), 'FORMERR'],
  ['answers FORMERR to an additional record past the end', Buffer.concat([header(0, 1, 0, 0, 1), q1, Buffer.from('00002910', 'hex')]), 'FORMERR'],
  ['answers FORMERR to two OPT records', Buffer.concat([header(0, 1, 0, 0, 2), q1, Buffer.from('0000291000000000000000', 'hex'), Buffer.from('0000291000000000000000', 'hex')]), 'FORMERR'],
  ['answers BADVERS to EDNS version 1', Buffer.concat([header(0, 1, 0, 0, 1), q1, Buffer.from('0000291000000100000000', 'hex')]), 'BADVERS'],
]
for (const [name, msg, want] of bad) {
  t.test(name, async (t) => {
    const p = parseQuery(msg)
    t.equal(p.kind === 'error' ? p.rcode : p.kind, want)
  })
}

t.test('never throws on arbitrary bytes and returns drop, error or a query (fuzz)', async (t) => {
  const scratch = Buffer.alloc(FAST_KEY_MAX_BYTES)
  const scan: FastScan = { keyLength: 0, questionEnd: 0, ednsUdpSize: 0 }
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (bytes) => {
      const b = Buffer.from(bytes)
      const p = parseQuery(b)
      scanFastQuery(b, scratch, scan)
      return p.kind === 'drop' || p.kind === 'error' || p.kind === 'query'
    }),
    { numRuns: 3000, seed: 42 },
  )
  // mutations of a valid query with EDNS reach deeper branches
  const base = query('host1.bench.test', 'A', { edns: 1232 })
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { maxLength: 6 }), fc.nat(base.length), (muts, cut) => {
      const b = Buffer.from(base.subarray(0, Math.max(12, cut)))
      for (const [i, v] of muts) if (i < b.length) b[i] = v
      const p = parseQuery(b)
      const fast = scanFastQuery(b, scratch, scan)
      // whatever the fast scan accepts, the general parser accepts as a query too
      return !fast || p.kind === 'query'
    }),
    { numRuns: 3000, seed: 7 },
  )
  t.pass('no exception')
})

t.test('the fast scan accepts the common shape and keys on the lower-cased question', async (t) => {
  const scratch = Buffer.alloc(FAST_KEY_MAX_BYTES)
  const scan: FastScan = { keyLength: 0, questionEnd: 0, ednsUdpSize: 0 }
  t.ok(scanFastQuery(query('HoSt1.Bench.Test'), scratch, scan))
  const k1 = scratch.toString('latin1', 0, scan.keyLength)
  t.ok(scanFastQuery(query('host1.bench.test', 'A', { id: 99 }), scratch, scan))
  t.equal(scratch.toString('latin1', 0, scan.keyLength), k1)
  t.ok(scanFastQuery(query('host1.bench.test', 'A', { edns: 4096 }), scratch, scan))
  t.equal(scan.ednsUdpSize, 4096)
  t.not(scratch.toString('latin1', 0, scan.keyLength), k1, 'EDNS is part of the key')
  t.notOk(scanFastQuery(query('host1.bench.test', 'ANY'), scratch, scan), 'ANY goes the general way')
  t.notOk(scanFastQuery(Buffer.concat([query('a.b'), Buffer.from([0])]), scratch, scan), 'trailing bytes go the general way')
})

t.test('encodes a response that dns-packet decodes, with the owner compressed to the question', async (t) => {
  const q = query('Www.Example.com')
  const p = parseQuery(q)
  if (p.kind !== 'query') return t.fail('parse')
  const body = Buffer.from('000100010000003c0004c0000201', 'hex')
  const out = encodeResponse({
    id: 7, flags: responseFlags({ opcode: 0, aa: true, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0 }),
    question: p.query.question, qkey: p.query.qkey, answers: [{ name: 'www.example.com', body }], authorities: [],
    edns: { udpSize: 1232, extendedRcode: 0 },
  })
  const d = dnsPacket.decode(out)
  t.equal(d.flag_aa, true)
  t.equal(d.answers?.[0].name, 'Www.Example.com')
  t.equal((d.answers?.[0] as { data: string }).data, '192.0.2.1')
  t.equal(d.additionals?.[0].type, 'OPT')
  t.equal(out.readUInt16BE(12 + p.query.question.length), 0xc00c)
})

t.test('RFC 6891 7: a NOTIMP opcode error keeps the parsed question and OPT', async (t) => {
  const msg = query('a.example', 'A', { edns: 1232 })
  msg[2] |= 2 << 3 // opcode STATUS
  const p = parseQuery(msg)
  t.equal(p.kind, 'error')
  if (p.kind !== 'error') return
  t.equal(p.rcode, 'NOTIMP')
  t.ok(p.question)
  t.equal(p.edns?.udpSize, 1232)
})
