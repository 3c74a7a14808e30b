import t from 'tap'
import pino from 'pino'
import type { Answer } from 'dns-packet'
import { CachingResolver, type CachingResolverOptions } from '../../../src/dns/forward/resolver.js'
import type { Forwarder, ForwardRequest, ForwardResult } from '../../../src/dns/forward/forwarder.js'
import type { UpstreamServerRow } from '../../../src/dns/forward/upstream-select.js'
import { aRecord, soaRecord, startFakeUpstream } from '../../helpers/fake-upstream.js'

const log = pino({ level: 'silent' })
const T0 = Date.UTC(2024, 0, 1)

/** A forwarder whose replies the test releases by hand. */
class ManualForwarder implements Forwarder {
  calls: ForwardRequest[] = []
  pending: ((r: ForwardResult) => void)[] = []
  forward(request: ForwardRequest): Promise<ForwardResult> {
    this.calls.push(request)
    return new Promise((resolve) => this.pending.push(resolve))
  }
  releaseAll(r: ForwardResult): void {
    for (const p of this.pending.splice(0)) p(r)
  }
}

const positive = (answers: Answer[]): ForwardResult => ({ kind: 'answer', rcode: 'NOERROR', answers, authorities: [], ad: false, upstream: '192.0.2.53:53', failures: [] })
const rows: UpstreamServerRow[] = [{ address: '192.0.2.53', port: '53', active: true }]
const opts: CachingResolverOptions = { timeoutMs: 300, cacheEnabled: true, minCacheTtlSeconds: 60, staleWhileRevalidate: true, fallback: undefined }
const q = { name: 'www.example.com', type: 'A', class: 'IN' }

function setup(over: Partial<CachingResolverOptions> = {}) {
  const fw = new ManualForwarder()
  const clock = { now: T0 }
  const r = new CachingResolver({ ...opts, ...over }, { getServers: () => rows, forwarder: fw, now: () => clock.now, log })
  return { fw, clock, r }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

t.test('concurrent misses for one question share one upstream query, then the cache answers', async (t) => {
  const { fw, r } = setup()
  const p1 = r.resolve(q)
  const p2 = r.resolve({ ...q, name: 'WWW.example.com.' })
  await tick()
  t.equal(fw.calls.length, 1)
  fw.releaseAll(positive([aRecord('www.example.com', '192.0.2.1', 300)]))
  const [a1, a2] = await Promise.all([p1, p2])
  t.same([a1.kind === 'answer' && a1.fromCache, a2.kind === 'answer' && a2.fromCache], [false, false])
  const a3 = await r.resolve(q)
  t.equal(a3.kind === 'answer' && a3.fromCache, true)
  t.equal(fw.calls.length, 1)
  const c = r.counters()
  t.equal(c.cache_hits, 1)
  t.equal(c.forwarded, 1)
  t.equal(c.upstream_answers, 1)
})

t.test('without a validator the upstream is asked with DO but not CD (RFC 4035 4.1), so the cache holds the DNSSEC records', async (t) => {
  const { fw, r } = setup()
  const p = r.resolve(q)
  await tick()
  t.match(fw.calls[0], { dnssec: false, dnssecOk: true })
  const sig = { type: 'RRSIG', name: 'www.example.com', ttl: 300, class: 'IN', data: { typeCovered: 'A', algorithm: 13, labels: 3, originalTTL: 300, expiration: 2, inception: 1, keyTag: 1, signersName: 'example.com', signature: Buffer.alloc(64) } } as const
  fw.releaseAll(positive([aRecord('www.example.com', '192.0.2.1', 300), sig]))
  await p
  const hit = await r.resolve(q)
  t.same(hit.kind === 'answer' && [hit.fromCache, hit.answers.map((a) => a.type)], [true, ['A', 'RRSIG']], 'kept for DO clients; the server strips them for the others')
})

t.test('a stale hit answers at once with TTL 1 and triggers one background refresh', async (t) => {
  const { fw, clock, r } = setup()
  const p = r.resolve(q)
  await tick()
  fw.releaseAll(positive([aRecord('www.example.com', '192.0.2.1', 60)]))
  await p
  clock.now = T0 + 61_000
  const s1 = await r.resolve(q)
  const s2 = await r.resolve(q)
  t.equal(s1.kind === 'answer' && (s1.answers[0] as { ttl: number }).ttl, 1)
  t.equal(s2.kind === 'answer' && s2.fromCache, true)
  t.equal(fw.calls.length, 2, 'one refresh for two stale hits')
  fw.releaseAll(positive([aRecord('www.example.com', '192.0.2.7', 300)]))
  await tick()
  const fresh = await r.resolve(q)
  t.equal(fresh.kind === 'answer' && fresh.answers[0].type === 'A' && fresh.answers[0].data, '192.0.2.7')
})

t.test('with the cache off every question is forwarded', async (t) => {
  const { fw, r } = setup({ cacheEnabled: false })
  for (let i = 0; i < 2; i++) {
    const p = r.resolve(q)
    await tick()
    fw.releaseAll(positive([aRecord('www.example.com', '192.0.2.1')]))
    await p
  }
  t.equal(fw.calls.length, 2)
  t.equal(r.cache.size, 0)
})

t.test('no configured upstreams and no fallback gives none / no_upstreams', async (t) => {
  const r = new CachingResolver(opts, { getServers: () => [], forwarder: new ManualForwarder(), log })
  t.same(await r.resolve(q), { kind: 'none', reason: 'no_upstreams' })
})

t.test("a caller's abort ends only its own wait", async (t) => {
  const { fw, r } = setup()
  const ac = new AbortController()
  const p1 = r.resolve(q, ac.signal)
  const p2 = r.resolve(q)
  await tick()
  ac.abort()
  t.same(await p1, { kind: 'none', reason: 'timeout' })
  fw.releaseAll(positive([aRecord('www.example.com', '192.0.2.1')]))
  t.equal((await p2).kind, 'answer')
})

t.test('end to end: fake upstream, negative caching, failure counters', async (t) => {
  const f = await startFakeUpstream((query) =>
    query.questions![0].name === 'nope.example.com'
      ? { rcode: 'NXDOMAIN', authorities: [soaRecord('example.com', 3600, 120)] }
      : { answers: [aRecord(query.questions![0].name, '192.0.2.1')] },
  )
  t.teardown(() => f.close())
  const r = new CachingResolver(
    { ...opts, fallback: { address: f.address, port: f.port, transport: 'udp' } },
    { getServers: () => [{ address: '127.0.0.1', port: '1', transport: 'dot', active: true }], log },
  )
  t.teardown(() => r.stop())
  const ok = await r.resolve(q)
  t.equal(ok.kind === 'answer' && ok.upstream, `${f.address}:${f.port}`)
  const nx = await r.resolve({ ...q, name: 'nope.example.com' })
  t.equal(nx.kind === 'answer' && nx.rcode, 'NXDOMAIN')
  const nx2 = await r.resolve({ ...q, name: 'nope.example.com' })
  t.equal(nx2.kind === 'answer' && nx2.fromCache, true, 'NXDOMAIN served from the cache')
  t.equal(f.queries.length, 2)
  t.equal(r.counters().upstream_negative_answers, 1)
})
