import t, { type Test } from 'tap'
import { NetworkForwarder, type ForwardRequest } from '../../../src/dns/forward/forwarder.js'
import type { UpstreamEndpoint } from '../../../src/dns/forward/upstream-select.js'
import { aRecord, soaRecord, startFakeUpstream, type Behave, type FakeUpstream } from '../../helpers/fake-upstream.js'

const TIMEOUT_MS = 300

async function fake(t: Test, behave: Behave): Promise<FakeUpstream> {
  const f = await startFakeUpstream(behave)
  t.teardown(() => f.close())
  return f
}

function ep(f: FakeUpstream, transport: 'udp' | 'tcp' = 'udp'): UpstreamEndpoint {
  return { address: f.address, port: f.port, transport, addressPort: `${f.address}:${f.port}` }
}

function req(endpoints: UpstreamEndpoint[], over: Partial<ForwardRequest> = {}): ForwardRequest {
  return { name: 'www.example.com', type: 'A', class: 'IN', endpoints, timeoutMs: TIMEOUT_MS, ...over }
}

const answerA: Behave = (q) => ({ answers: [aRecord(q.questions![0].name, '192.0.2.1')] })

t.test('the first NOERROR reply with answers wins', async (t) => {
  const slow = await fake(t, (q) => ({ answers: [aRecord(q.questions![0].name, '192.0.2.9')], silent: true }))
  const good = await fake(t, answerA)
  const nx = await fake(t, () => ({ rcode: 'NXDOMAIN', authorities: [soaRecord('example.com')] }))
  const res = await new NetworkForwarder().forward(req([ep(slow), ep(nx), ep(good)]))
  t.equal(res.kind, 'answer')
  if (res.kind !== 'answer') return
  t.equal(res.rcode, 'NOERROR')
  t.equal(res.upstream, ep(good).addressPort)
  t.same(res.answers.map((rr) => rr.type === 'A' && rr.data), ['192.0.2.1'])
})

t.test('queries carry RD, EDNS and a question matching the request', async (t) => {
  const f = await fake(t, answerA)
  await new NetworkForwarder().forward(req([ep(f)], { name: 'WWW.example.com.', type: 'HTTPS' }))
  t.equal(f.queries.length, 1)
  t.equal(f.queries[0].name, 'WWW.example.com')
  t.equal(f.queries[0].type, 'UNKNOWN_65', 'HTTPS goes out as type 65')
  t.ok(f.queries[0].hasOpt)
})

t.test('DO and CD on the query: dnssec sets both, dnssecOk sets DO only, neither sets none', async (t) => {
  const f = await fake(t, answerA)
  const fw = new NetworkForwarder()
  await fw.forward(req([ep(f)]))
  await fw.forward(req([ep(f)], { dnssecOk: true }))
  await fw.forward(req([ep(f)], { dnssec: true }))
  await fw.forward(req([ep(f)], { dnssec: true, dnssecOk: false }))
  t.same(f.queries.map((q) => [q.dnssecOk, q.cd]), [[false, false], [true, false], [true, true], [true, true]])
  const withDo = await fw.forward(req([ep(f)], { dnssecOk: true }))
  t.equal(withDo.kind === 'answer' && withDo.message, undefined, 'the raw reply is kept for the validator only')
})

t.test('a reply with the wrong ID is ignored and the right one accepted', async (t) => {
  const f = await fake(t, (q) => ({ ...answerA(q, 'udp'), wrongIdFirst: true }))
  const res = await new NetworkForwarder().forward(req([ep(f)]))
  t.equal(res.kind, 'answer')
})

t.test('replies echoing another question are ignored, ending in a timeout', async (t) => {
  const g = await fake(t, (q) => ({ ...answerA(q, 'udp'), wrongQuestion: true }))
  const res = await new NetworkForwarder().forward(req([ep(g)]))
  t.same(res, { kind: 'none', reason: 'timeout', failures: [] })
})

t.test('NXDOMAIN is relayed with its authority section when nobody has a positive answer', async (t) => {
  const nx = await fake(t, () => ({ rcode: 'NXDOMAIN', authorities: [soaRecord('example.com')] }))
  const fail = await fake(t, () => ({ rcode: 'SERVFAIL' }))
  const res = await new NetworkForwarder().forward(req([ep(nx), ep(fail)]))
  t.equal(res.kind, 'answer')
  if (res.kind !== 'answer') return
  t.equal(res.rcode, 'NXDOMAIN')
  t.equal(res.authorities[0].type, 'SOA')
  t.same(res.failures, [{ addressPort: ep(fail).addressPort, reason: 'servfail', rcode: 'SERVFAIL' }])
})

t.test('NODATA is preferred over NXDOMAIN', async (t) => {
  const nx = await fake(t, () => ({ rcode: 'NXDOMAIN' }))
  const nodata = await fake(t, () => ({ rcode: 'NOERROR', authorities: [soaRecord('example.com')], delayMs: 20 }))
  const res = await new NetworkForwarder().forward(req([ep(nx), ep(nodata)]))
  t.equal(res.kind === 'answer' && res.rcode, 'NOERROR')
  t.equal(res.kind === 'answer' && res.upstream, ep(nodata).addressPort)
})

t.test('a negative reply is relayed at the deadline when another endpoint stays silent', async (t) => {
  const nx = await fake(t, () => ({ rcode: 'NXDOMAIN' }))
  const silent = await fake(t, () => ({ silent: true }))
  const res = await new NetworkForwarder().forward(req([ep(nx), ep(silent)]))
  t.equal(res.kind === 'answer' && res.rcode, 'NXDOMAIN')
})

t.test('silence from every endpoint ends in kind none / timeout', async (t) => {
  const silent = await fake(t, () => ({ silent: true }))
  const res = await new NetworkForwarder().forward(req([ep(silent)]))
  t.same(res, { kind: 'none', reason: 'timeout', failures: [] })
})

t.test('only failures end in kind none / all_failed', async (t) => {
  const fail = await fake(t, () => ({ rcode: 'REFUSED' }))
  const res = await new NetworkForwarder().forward(req([ep(fail)]))
  t.equal(res.kind, 'none')
  t.equal(res.kind === 'none' && res.reason, 'all_failed')
})

t.test('a truncated UDP reply is retried over TCP', async (t) => {
  const f = await fake(t, (q) => ({ ...answerA(q, 'udp'), truncate: true }))
  const res = await new NetworkForwarder().forward(req([ep(f)]))
  t.equal(res.kind, 'answer')
  t.same(
    f.queries.map((q) => q.transport),
    ['udp', 'tcp'],
  )
})

t.test('tcp endpoints are queried over TCP and a wrong ID there fails the endpoint', async (t) => {
  const f = await fake(t, answerA)
  const res = await new NetworkForwarder().forward(req([ep(f, 'tcp')]))
  t.equal(res.kind, 'answer')
  t.same(
    f.queries.map((q) => q.transport),
    ['tcp'],
  )
  const bad = await fake(t, (q) => ({ ...answerA(q, 'tcp'), wrongIdFirst: true }))
  const res2 = await new NetworkForwarder().forward(req([ep(bad, 'tcp')]))
  t.equal(res2.kind === 'none' && res2.failures[0]?.reason, 'bad_response')
})

t.test('FORMERR without OPT is retried without EDNS', async (t) => {
  const f = await fake(t, (q) =>
    (q.additionals ?? []).some((x) => x.type === 'OPT') ? { rcode: 'FORMERR', noOpt: true } : answerA(q, 'udp'),
  )
  const res = await new NetworkForwarder().forward(req([ep(f)]))
  t.equal(res.kind, 'answer')
  t.same(
    f.queries.map((q) => q.hasOpt),
    [true, false],
  )
})

t.test('no endpoints gives no_upstreams; beyond maxInFlight fails fast', async (t) => {
  const fw = new NetworkForwarder({ maxInFlight: 1 })
  t.same(await fw.forward(req([])), { kind: 'none', reason: 'no_upstreams', failures: [] })
  const silent = await fake(t, () => ({ silent: true }))
  const first = fw.forward(req([ep(silent)]))
  const second = await fw.forward(req([ep(silent)]))
  t.same(second, { kind: 'none', reason: 'all_failed', failures: [{ addressPort: '*', reason: 'overloaded' }] })
  t.equal((await first).kind, 'none')
  t.equal(fw.inFlight, 0)
})

t.test('close() cancels queries in flight', async (t) => {
  const silent = await fake(t, () => ({ silent: true }))
  const fw = new NetworkForwarder()
  const p = fw.forward(req([ep(silent)], { timeoutMs: 60_000 }))
  fw.close()
  t.equal((await p).kind, 'none')
})

t.test('an unknown type is rejected without querying', async (t) => {
  const res = await new NetworkForwarder().forward(req([{ address: '127.0.0.1', port: 9, transport: 'udp', addressPort: '127.0.0.1:9' }], { type: 'BOGUS' }))
  t.equal(res.kind === 'none' && res.failures[0]?.reason, 'invalid_question')
})
