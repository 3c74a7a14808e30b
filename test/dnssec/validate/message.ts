import t from 'tap'
import packet from 'dns-packet'
import { parseReply } from '../../../src/dnssec/validate/message.js'
import { T } from '../../../src/dnssec/validate/records.js'

const reply = (rcode: number, answers: packet.Answer[], authorities: packet.Answer[] = []): Buffer => {
  const b = packet.encode({ type: 'response', id: 1, flags: 0, questions: [{ name: 'Www.Example', type: 'A', class: 'IN' }], answers, authorities })
  b[3] = (b[3] & 0xf0) | rcode
  return b
}

t.test('answers and authorities with compressed RDATA names expanded', async (t) => {
  const msg = reply(0, [
    { name: 'www.example', type: 'CNAME', ttl: 60, data: 'host.Example' },
    { name: 'host.example', type: 'MX', ttl: 60, data: { preference: 10, exchange: 'mail.example' } },
  ], [{ name: 'example', type: 'SOA', ttl: 30, data: { mname: 'ns.example', rname: 'h.example', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 } }])
  const r = parseReply(msg)!
  t.equal(r.rcode, 'NOERROR')
  t.same(r.answers.map((x) => [x.name, x.type, x.ttl]), [['www.example', T.CNAME, 60], ['host.example', 15, 60]])
  t.equal(r.answers[0].rdata.toString('hex'), '04686f7374074578616d706c6500', 'no pointer left, case kept')
  t.equal(r.answers[1].rdata.readUInt16BE(0), 10)
  t.equal(r.authorities[0].rdata.length, 12 + 11 + 20, "two whole names and the five counters")
})

t.test('NXDOMAIN, other classes left out, and broken messages', async (t) => {
  const msg = reply(3, [{ name: 'x.example', type: 'TXT', class: 'CH', ttl: 1, data: 'a' } as packet.Answer])
  const r = parseReply(msg)!
  t.equal(r.rcode, 'NXDOMAIN')
  t.same(r.answers, [])
  t.equal(parseReply(Buffer.alloc(5)), undefined)
  const good = reply(0, [{ name: 'www.example', type: 'A', ttl: 60, data: '192.0.2.1' }])
  for (let cut = 13; cut < good.length; cut += 3) t.equal(parseReply(good.subarray(0, cut)), undefined, `cut at ${cut}`)
  const loop = Buffer.from(good)
  loop.writeUInt16BE(0xc00c, 12) // the question name points at itself
  t.equal(parseReply(loop), undefined)
  const badMx = reply(0, [{ name: 'a', type: 'MX', ttl: 1, data: { preference: 1, exchange: 'b' } }])
  badMx.writeUInt16BE(1, badMx.length - 7) // RDLENGTH 1: shorter than its preference
  t.equal(parseReply(badMx.subarray(0, badMx.length - 4)), undefined)
})
