import t from 'tap'
import type { Answer } from 'dns-packet'
import {
  MAX_CACHE_TTL_SECONDS,
  MAX_NEGATIVE_TTL_SECONDS,
  MAX_STALE_SECONDS,
  ResponseCache,
  cacheTtlSeconds,
  type CachedResponse,
} from '../../../src/dns/cache/response-cache.js'

const a = (name: string, ip: string, ttl: number): Answer => ({ name, type: 'A', class: 'IN', ttl, data: ip })
const soa = (ttl: number, minimum: number): Answer => ({
  name: 'example.com',
  type: 'SOA',
  class: 'IN',
  ttl,
  data: { mname: 'ns1.example.com', rname: 'h.example.com', serial: 1, refresh: 1, retry: 1, expire: 1, minimum },
})
const positive = (...answers: Answer[]): CachedResponse => ({ rcode: 'NOERROR', answers, authorities: [] })
const T0 = Date.UTC(2024, 0, 1)

t.test('the cache TTL is the smallest RR TTL raised to the floor and capped at one day', async (t) => {
  const table: [string, CachedResponse, number, number][] = [
    ['smallest TTL above the floor', positive(a('x', '192.0.2.1', 3000), a('x', '192.0.2.2', 2000)), 60, 2000],
    ['raised to min_cache_ttl_seconds', positive(a('x', '192.0.2.1', 30)), 60, 60],
    ['0 means 600', positive(a('x', '192.0.2.1', 30)), 0, 600],
    ['capped at one day', positive(a('x', '192.0.2.1', 999_999)), 60, MAX_CACHE_TTL_SECONDS],
    ['NXDOMAIN uses min(SOA TTL, SOA minimum)', { rcode: 'NXDOMAIN', answers: [], authorities: [soa(900, 300)] }, 600, 300],
    ['NODATA uses the SOA TTL when smaller', { rcode: 'NOERROR', answers: [], authorities: [soa(100, 300)] }, 600, 100],
    ['negative TTL is capped', { rcode: 'NXDOMAIN', answers: [], authorities: [soa(99_999, 99_999)] }, 600, MAX_NEGATIVE_TTL_SECONDS],
    ['negative without SOA is not cached', { rcode: 'NXDOMAIN', answers: [], authorities: [] }, 600, 0],
  ]
  for (const [name, resp, floor, want] of table) t.equal(cacheTtlSeconds(resp, floor), want, name)
})

t.test('a hit returns the RRset with TTLs counting down, keyed case-insensitively', async (t) => {
  const c = new ResponseCache({ minTtlSeconds: 60, staleWhileRevalidate: false })
  t.equal(c.set('WWW.Example.com.', 'a', positive(a('www.example.com', '192.0.2.1', 300), a('www.example.com', '192.0.2.2', 300)), T0), 300)
  const hit = c.get('www.example.com', 'A', T0 + 100_500)
  t.equal(hit?.status, 'fresh')
  t.same(
    hit?.response.answers.map((rr) => [rr.type === 'A' && rr.data, (rr as { ttl: number }).ttl]),
    [
      ['192.0.2.1', 200],
      ['192.0.2.2', 200],
    ],
  )
  t.equal(c.get('www.example.com', 'AAAA', T0), undefined, 'other type misses')
  const late = c.get('www.example.com', 'A', T0 + 299_999)
  t.equal((late?.response.answers[0] as { ttl: number }).ttl, 1, 'never below 1 second')
})

t.test('an expired entry is gone without stale serving', async (t) => {
  const c = new ResponseCache({ minTtlSeconds: 60, staleWhileRevalidate: false })
  c.set('x.example', 'A', positive(a('x.example', '192.0.2.1', 60)), T0)
  t.equal(c.get('x.example', 'A', T0 + 60_000), undefined)
  t.equal(c.size, 0)
})

t.test('stale_while_revalidate serves an expired entry with TTL 1 until the stale window ends', async (t) => {
  const c = new ResponseCache({ minTtlSeconds: 60, staleWhileRevalidate: true })
  c.set('x.example', 'A', positive(a('x.example', '192.0.2.1', 60)), T0)
  const stale = c.get('x.example', 'A', T0 + 61_000)
  t.equal(stale?.status, 'stale')
  t.equal((stale?.response.answers[0] as { ttl: number }).ttl, 1)
  t.equal(c.compact(T0 + 61_000), 0, 'compact keeps servable stale entries')
  t.equal(c.get('x.example', 'A', T0 + 60_000 + MAX_STALE_SECONDS * 1000), undefined)
})

t.test('negative answers are cached with their authority section', async (t) => {
  const c = new ResponseCache({ minTtlSeconds: 600, staleWhileRevalidate: false })
  t.equal(c.set('nope.example.com', 'A', { rcode: 'NXDOMAIN', answers: [], authorities: [soa(900, 300)] }, T0), 300)
  const hit = c.get('nope.example.com', 'A', T0 + 1000)
  t.equal(hit?.response.rcode, 'NXDOMAIN')
  t.equal(hit?.response.authorities[0].type, 'SOA')
  t.equal((hit?.response.authorities[0] as { ttl: number }).ttl, 299)
  t.equal(c.set('nope2.example.com', 'A', { rcode: 'NXDOMAIN', answers: [], authorities: [] }, T0), 0)
  t.equal(c.get('nope2.example.com', 'A', T0), undefined)
})

t.test('evicts the oldest entry beyond maxEntries', async (t) => {
  const c = new ResponseCache({ minTtlSeconds: 60, staleWhileRevalidate: false, maxEntries: 2 })
  c.set('a.example', 'A', positive(a('a.example', '192.0.2.1', 60)), T0)
  c.set('b.example', 'A', positive(a('b.example', '192.0.2.2', 60)), T0 + 1)
  c.set('a.example', 'A', positive(a('a.example', '192.0.2.3', 60)), T0 + 2)
  c.set('c.example', 'A', positive(a('c.example', '192.0.2.4', 60)), T0 + 3)
  t.equal(c.size, 2)
  t.equal(c.get('b.example', 'A', T0 + 4), undefined, 'b was the oldest stored')
  t.ok(c.get('a.example', 'A', T0 + 4))
  t.ok(c.get('c.example', 'A', T0 + 4))
})

t.test('list, remove, clear and compact for the control plane', async (t) => {
  const c = new ResponseCache({ minTtlSeconds: 60, staleWhileRevalidate: false })
  c.set('a.example', 'A', positive(a('a.example', '192.0.2.1', 60)), T0)
  c.set('a.example', 'AAAA', { rcode: 'NOERROR', answers: [], authorities: [soa(60, 60)] }, T0)
  c.set('b.example', 'A', positive(a('b.example', '192.0.2.2', 120)), T0)
  t.same(c.list(T0 + 10_000)[0], {
    qname: 'a.example',
    qtype: 'A',
    name: 'a.example',
    type: 'A',
    value: '192.0.2.1',
    ttl: 50,
    expires_at: new Date(T0 + 60_000).toISOString(),
    rcode: 'NOERROR',
  })
  t.equal(c.list(T0)[1].value, '', 'a negative entry lists one empty row')
  const g = c.generation
  t.equal(c.remove('A.EXAMPLE.', 'aaaa'), 1)
  t.ok(c.generation > g, 'changes bump the generation')
  t.equal(c.compact(T0 + 60_000), 1, 'a.example A expired')
  t.equal(c.size, 1)
  t.equal(c.remove('b.example'), 1)
  c.set('b.example', 'A', positive(a('b.example', '192.0.2.2', 120)), T0)
  c.clear()
  t.equal(c.size, 0)
})
