import t from 'tap'
import dnsPacket from 'dns-packet'
import { encodeResponse } from '../../../src/dns/wire/encode-response.js'

t.test('RFC 1035 4.1.4: owners and NS/CNAME/PTR/MX/SOA names in RDATA are compressed, SRV targets are not', async (t) => {
  const { encodeName, encodeRdata } = await import('../../../src/dns/wire/rdata.js')
  const { rrBody } = await import('../../../src/dns/wire/wire.js')
  const question = Buffer.concat([encodeName('WWW.Example.com') as Buffer, Buffer.from([0, 15, 0, 1])])
  const rr = (name: string, type: string, code: number, value: string) => ({ name, body: rrBody(code, 60, encodeRdata(type, value) as Buffer) })
  const answers = [
    rr('www.example.com', 'CNAME', 5, 'mail.example.com.'),
    rr('mail.example.com', 'MX', 15, '10 mx.example.com.'),
    rr('example.com', 'SOA', 6, 'ns1.example.com. hostmaster.example.com. 1 2 3 4 5'),
    rr('_s._tcp.example.com', 'SRV', 33, '1 2 3 target.example.com.'),
  ]
  const out = encodeResponse({ id: 1, flags: 0x8400, question, answers, authorities: [], additionals: [rr('mx.example.com', 'A', 1, '192.0.2.1')] })
  const d = dnsPacket.decode(out)
  t.same(d.answers?.map((a) => [a.name, a.type]), [['WWW.Example.com', 'CNAME'], ['mail.Example.com', 'MX'], ['Example.com', 'SOA'], ['_s._tcp.Example.com', 'SRV']], 'owners echo the question case through pointers')
  t.equal((d.answers?.[1] as { data: { exchange: string } }).data.exchange, 'mx.Example.com')
  t.equal((d.answers?.[3] as { data: { target: string } }).data.target, 'target.example.com', 'RFC 2782: the SRV target is written in full')
  t.equal(d.additionals?.[0]?.name, 'mx.Example.com')
  const uncompressed = 12 + question.length + answers.reduce((n, a) => n + (encodeName(a.name) as Buffer).length + a.body.length, 0)
  t.ok(out.length < uncompressed - 40, `compressed ${out.length} bytes < ${uncompressed}`)
  t.equal(out.toString('latin1').indexOf('\x07example'), out.toString('latin1').lastIndexOf('\x07example'), 'the label "example" is written once')
})

t.test('RDATA that is not a well-formed name is copied as it is', async (t) => {
  const { rrBody } = await import('../../../src/dns/wire/wire.js')
  const bad = [rrBody(5, 60, Buffer.from([3, 0x61])), rrBody(15, 60, Buffer.from([0])), rrBody(6, 60, Buffer.from([0, 0, 1, 2]))]
  const out = encodeResponse({ id: 1, flags: 0x8400, answers: bad.map((body) => ({ name: 'x.test', body })), authorities: [] })
  t.equal(out.readUInt16BE(6), 3)
  t.ok(out.includes(Buffer.from([0, 2, 3, 0x61])), 'CNAME RDATA kept verbatim with its length')
})
