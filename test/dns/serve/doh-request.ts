import t from 'tap'
import dnsPacket from 'dns-packet'
import { rrTtlOffsets } from '../../../src/dns/wire/wire.js'
import { dohMaxAge, dohPostQuery, dohRequestStep, MAX_DOH_BODY_BYTES } from '../../../src/dns/serve/doh-request.js'

const q = dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'example.com', type: 'A', class: 'IN' }] })
const b64 = q.toString('base64url')
const MSG = 'application/dns-message'

t.test('GET carries the query base64url-encoded in dns (RFC 8484 §4.1)', async (t) => {
  t.same(dohRequestStep('GET', `/dns-query?dns=${b64}`, '/dns-query', undefined, undefined), { kind: 'query', msg: q })
  t.same(dohRequestStep('GET', `/dns-query?dns=${b64}==`, '/dns-query', undefined, undefined), { kind: 'query', msg: q }, 'padding tolerated')
  t.match(dohRequestStep('GET', '/dns-query', '/dns-query', undefined, undefined), { kind: 'reject', status: 400 })
  t.match(dohRequestStep('GET', '/dns-query?dns=a+b/c', '/dns-query', undefined, undefined), { kind: 'reject', status: 400 }, 'not base64url')
  t.match(dohRequestStep('GET', '/dns-query?dns=AAAA', '/dns-query', undefined, undefined), { kind: 'reject', status: 400, reason: /shorter than its header/ })
  t.match(dohRequestStep('GET', `/other?dns=${b64}`, '/dns-query', undefined, undefined), { kind: 'reject', status: 404 })
})

t.test('POST needs application/dns-message and a bounded body', async (t) => {
  t.same(dohRequestStep('POST', '/dns-query', '/dns-query', MSG, String(q.length)), { kind: 'read-body' })
  t.same(dohRequestStep('POST', '/dns-query', '/dns-query', 'Application/DNS-Message; charset=x', undefined), { kind: 'read-body' })
  t.match(dohRequestStep('POST', '/dns-query', '/dns-query', 'application/json', undefined), { kind: 'reject', status: 415 })
  t.match(dohRequestStep('POST', '/dns-query', '/dns-query', undefined, undefined), { kind: 'reject', status: 415 })
  t.match(dohRequestStep('POST', '/dns-query', '/dns-query', MSG, String(MAX_DOH_BODY_BYTES + 1)), { kind: 'reject', status: 413 })
  t.same(dohPostQuery(q), { kind: 'query', msg: q })
  t.match(dohPostQuery(Buffer.alloc(0)), { kind: 'reject', status: 400 })
  t.match(dohPostQuery(Buffer.alloc(MAX_DOH_BODY_BYTES + 1)), { kind: 'reject', status: 413 })
})

t.test('other methods get 405', async (t) => {
  for (const m of ['PUT', 'DELETE', 'HEAD', 'PATCH']) t.match(dohRequestStep(m, '/dns-query', '/dns-query', MSG, undefined), { kind: 'reject', status: 405 }, m)
})

t.test('max-age is the smallest TTL of the answer and authority records (RFC 8484 §5.1)', async (t) => {
  const reply = (answers: dnsPacket.Answer[], authorities: dnsPacket.Answer[] = []) =>
    dnsPacket.encode({ type: 'response', id: 0, flags: 0, questions: [{ name: 'example.com', type: 'A', class: 'IN' }], answers, authorities, additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer] })
  t.equal(dohMaxAge(reply([{ name: 'example.com', type: 'A', ttl: 300, data: '192.0.2.1' }, { name: 'example.com', type: 'A', ttl: 60, data: '192.0.2.2' }])), 60)
  const soa = { name: 'example.com', type: 'SOA', ttl: 90, data: { mname: 'ns.example.com', rname: 'h.example.com', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 90 } } as dnsPacket.Answer
  t.equal(dohMaxAge(reply([], [soa])), 90, 'negative answer: the SOA TTL')
  t.equal(dohMaxAge(reply([])), 0, 'no records: not cacheable')
  t.equal(dohMaxAge(Buffer.from([1, 2, 3])), 0, 'unparsable')
  const big = reply([{ name: 'example.com', type: 'A', ttl: 60, data: '192.0.2.1' }])
  big.writeUInt32BE(0x80000000, rrTtlOffsets(big)![0])
  t.equal(dohMaxAge(big), 0, 'TTL with the top bit set counts as 0 (RFC 2181 §8)')
})
