import dnsPacket from 'dns-packet'
import t from 'tap'
import { inspectResponse, truncatedReply } from '../../../src/dns/limit/response-class.js'

const soa = { name: 'example.com', type: 'SOA', ttl: 60, data: { mname: 'ns.example.com', rname: 'h.example.com', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 } } as const

const RCODE: Record<string, number> = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 }

function reply(rcode: string, opts: { answers?: dnsPacket.Answer[]; authorities?: dnsPacket.Answer[]; edns?: boolean; name?: string } = {}): Buffer {
  const out = dnsPacket.encode({
    type: 'response', id: 7, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHORITATIVE_ANSWER,
    questions: [{ name: opts.name ?? 'www.Example.com', type: 'A', class: 'IN' }],
    answers: opts.answers ?? [], authorities: opts.authorities ?? [],
    additionals: opts.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [] } as unknown as dnsPacket.Answer] : [],
  } as dnsPacket.Packet)
  out[3] |= RCODE[rcode]
  return out
}

t.test('classifies answers, NODATA, NXDOMAIN (by zone) and errors', async (t) => {
  const a = inspectResponse(reply('NOERROR', { answers: [{ name: 'www.example.com', type: 'A', ttl: 60, data: '192.0.2.1' }] }))
  t.equal(a?.kind, 'answer')
  t.match(a?.name, /example/)
  t.equal(inspectResponse(reply('NOERROR'))?.kind, 'nodata')
  const nx1 = inspectResponse(reply('NXDOMAIN', { name: 'abc.example.com', authorities: [soa] }))
  const nx2 = inspectResponse(reply('NXDOMAIN', { name: 'xyz.example.com', authorities: [soa] }))
  t.equal(nx1?.kind, 'nxdomain')
  t.equal(nx1?.name, nx2?.name, 'random names under one zone share the zone key')
  t.equal(nx1?.name, '\x07example\x03com')
  const bare = inspectResponse(reply('NXDOMAIN', { name: 'abc.example.com' }))
  t.not(bare?.name, nx1?.name, 'without an SOA the question name is the key')
  const err = inspectResponse(reply('SERVFAIL'))
  t.same([err?.kind, err?.name], ['error', ''])
  t.equal(inspectResponse(reply('REFUSED', { name: 'other.test' }))?.name, '', 'errors: one bucket per client')
})

t.test('returns undefined for what is not a one-question message, and stops at a broken record', async (t) => {
  t.equal(inspectResponse(Buffer.alloc(5)), undefined)
  const noQ = reply('NOERROR')
  noQ.writeUInt16BE(0, 4)
  t.equal(inspectResponse(noQ), undefined)
  t.equal(inspectResponse(reply('NOERROR').subarray(0, 20)), undefined, 'question cut short')
  const cut = reply('NXDOMAIN', { authorities: [soa] })
  t.equal(inspectResponse(cut.subarray(0, cut.length - 10))?.kind, 'nxdomain', 'a record cut short is ignored')
  const full = reply('NXDOMAIN', { authorities: [soa] })
  const q = inspectResponse(full)!
  t.equal(inspectResponse(full.subarray(0, q.questionEnd + 3))?.name, inspectResponse(reply('NXDOMAIN'))?.name, 'owner cut short: the question name is the key')
})

t.test('the owner of the SOA is read through compression pointers, and a pointer loop is ignored', async (t) => {
  // NXDOMAIN for abc.example.com with one SOA in the authority section whose owner is a pointer
  const question = Buffer.from('03616263076578616d706c6503636f6d0000010001', 'hex')
  const soaRdata = Buffer.from('c010c010000000010000000100000001000000010000000a', 'hex')
  const message = (owner: Buffer): Buffer => {
    const head = Buffer.from('000784030001000000010000', 'hex')
    const rr = Buffer.concat([owner, Buffer.from('0006000100000e10', 'hex'), Buffer.from([0, soaRdata.length]), soaRdata])
    return Buffer.concat([head, question, rr])
  }
  t.equal(inspectResponse(message(Buffer.from('c010', 'hex')))?.name, '\x07example\x03com', 'pointer to example.com in the question')
  const loopAt = 12 + question.length
  t.equal(inspectResponse(message(Buffer.from([0xc0, loopAt])))?.name, question.toString('latin1'), 'a pointer to itself: the question name stays the key')
  t.equal(inspectResponse(message(Buffer.from([0xc0, 0xff])))?.name, question.toString('latin1'), 'a pointer past the end: the question name stays the key')
  t.equal(inspectResponse(message(Buffer.from([0x40, 0])))?.kind, 'nxdomain', 'a bad label type ends the walk')
})

t.test('truncatedReply keeps header, question and OPT, sets TC and empties the sections', async (t) => {
  const full = reply('NOERROR', { answers: [{ name: 'www.example.com', type: 'TXT', ttl: 60, data: 'x'.repeat(200) }], edns: true })
  const out = truncatedReply(full, inspectResponse(full)!)
  const p = dnsPacket.decode(out)
  t.equal(p.id, 7)
  t.equal(p.flag_tc, true)
  t.equal(p.flag_aa, true)
  t.same(p.answers, [])
  t.equal(p.questions?.[0].name, 'www.Example.com')
  t.equal(p.additionals?.[0].type, 'OPT')
  t.ok(out.length < 60)
  const plain = reply('NOERROR')
  t.equal(dnsPacket.decode(truncatedReply(plain, inspectResponse(plain)!)).additionals?.length, 0)
})
