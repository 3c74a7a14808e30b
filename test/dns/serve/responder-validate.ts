/** The responder's side of dnssec_validate: AD, SERVFAIL with EDE on strict bogus, CD pass-through, DNSSEC records only for DO. */
import t from 'tap'
import packet from 'dns-packet'
import pino from 'pino'
import type { Answer } from 'dns-packet'
import { DnsResponder } from '../../../src/dns/serve/responder.js'
import type { DnsServerOptions } from '../../../src/dns/serve/options.js'
import type { UpstreamAnswer, UpstreamResolver } from '../../../src/dns/forward/upstream.js'
import { RecordIndex } from '../../../src/store/record-index.js'

const opts: DnsServerOptions = {
  bind: '127.0.0.1', port: 0, localRecordsEnabled: false, autoBuildPtrFromA: false, refuseAny: false,
  maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 1000,
}
const sig: Answer = {
  name: 'www.example', type: 'RRSIG', ttl: 300,
  data: { typeCovered: 'A', algorithm: 13, labels: 2, originalTTL: 300, expiration: 2, inception: 1, keyTag: 7, signersName: 'example', signature: Buffer.alloc(64, 1) },
} as Answer
const a: Answer = { name: 'www.example', type: 'A', ttl: 300, data: '192.0.2.1' }

function responder(answer: UpstreamAnswer): DnsResponder {
  const index = RecordIndex.build([], 1)
  const resolver: UpstreamResolver = { resolve: async () => answer }
  return new DnsResponder(opts, { getIndex: () => index, log: pino({ level: 'silent' }), resolver })
}

function ask(r: DnsResponder, o: { do?: boolean; cd?: boolean; ad?: boolean; edns?: boolean } = {}): Promise<packet.DecodedPacket> {
  const q = packet.encode({
    type: 'query', id: 9, flags: packet.RECURSION_DESIRED | (o.cd ? packet.CHECKING_DISABLED : 0) | (o.ad ? packet.AUTHENTIC_DATA : 0),
    questions: [{ name: 'www.example', type: 'A', class: 'IN' }],
    additionals: o.edns === false ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: o.do ? packet.DNSSEC_OK : 0 } as Answer],
  })
  return Promise.resolve(r.handle(q, 'udp')).then((b) => packet.decode(b as Buffer))
}

const secure: UpstreamAnswer = { kind: 'answer', rcode: 'NOERROR', answers: [a, sig], authorities: [], fromCache: false, ad: true }

t.test('a secure answer gets AD when asked with DO or AD (RFC 6840 5.8); RRSIGs and the DO bit only for DO queries', async (t) => {
  const r = responder(secure)
  const plain = await ask(r)
  t.notOk(plain.flag_ad, 'neither DO nor AD in the query: no AD')
  t.ok((await ask(r, { ad: true })).flag_ad, 'AD in the query')
  t.ok((await ask(r, { do: true })).flag_ad, 'DO in the query')
  t.same(plain.answers?.map((x) => x.type), ['A'])
  t.notOk((plain.additionals?.[0] as { flag_do?: boolean }).flag_do)
  const withDo = await ask(r, { do: true })
  t.same(withDo.answers?.map((x) => x.type), ['A', 'RRSIG'])
  t.ok((withDo.additionals?.[0] as { flag_do?: boolean }).flag_do)
})

t.test('strict bogus: SERVFAIL with the Extended DNS Error; CD gets the data', async (t) => {
  const r = responder({ ...secure, ad: false, bogus: { ede: 7, reason: 'RRSIG for www.example expired' } })
  const fail = await ask(r)
  t.equal(fail.rcode, 'SERVFAIL')
  t.same(fail.answers, [])
  const opt = fail.additionals?.find((x) => x.type === 'OPT') as { options: { code: number; data: Buffer }[] }
  t.equal(opt.options[0].code, 15)
  t.equal(opt.options[0].data.readUInt16BE(0), 7)
  t.equal(opt.options[0].data.subarray(2).toString(), 'RRSIG for www.example expired')
  const noEdns = await ask(r, { edns: false })
  t.equal(noEdns.rcode, 'SERVFAIL')
  t.same(noEdns.additionals, [], 'no OPT for a client without EDNS')
  const cd = await ask(r, { cd: true, do: true })
  t.equal(cd.rcode, 'NOERROR')
  t.notOk(cd.flag_ad)
  t.same(cd.answers?.map((x) => x.type), ['A', 'RRSIG'])
})

t.test('a cached DO answer in the fast path is not reused for a query without DO', async (t) => {
  const r = responder({ ...secure, fromCache: true })
  t.same((await ask(r, { do: true })).answers?.map((x) => x.type), ['A', 'RRSIG'])
  t.same((await ask(r, { do: true })).answers?.map((x) => x.type), ['A', 'RRSIG'], 'again, from the fast path')
  t.same((await ask(r)).answers?.map((x) => x.type), ['A'])
})

t.test('the fast path keys on the query AD bit: a cached answer with AD is not reused for a plain query', async (t) => {
  const r = responder({ ...secure, fromCache: true })
  for (let i = 0; i < 2; i++) t.ok((await ask(r, { ad: true })).flag_ad, `AD query ${i}`)
  for (let i = 0; i < 2; i++) t.notOk((await ask(r)).flag_ad, `plain query ${i}`)
  for (let i = 0; i < 2; i++) t.ok((await ask(r, { ad: true })).flag_ad, `AD query again ${i}`)
})
