import t from 'tap'
import {
  allActiveEndpoints,
  fallbackFromConfig,
  formatAddressPort,
  matchesWhitelist,
  selectUpstreams,
  type FallbackEndpoint,
  type UpstreamServerRow,
} from '../../../src/dns/forward/upstream-select.js'

const FB: FallbackEndpoint = { address: '1.1.1.1', port: 53, transport: 'udp' }

const global1: UpstreamServerRow = { address: '8.8.8.8', port: '53', active: true }
const global2: UpstreamServerRow = { address: '9.9.9.9', port: '5353', transport: 'tcp', active: true, fallback_address: '149.112.112.112' }
const inactive: UpstreamServerRow = { address: '4.4.4.4', port: '53', active: false }
const internal: UpstreamServerRow = {
  address: '10.0.0.53',
  port: '53',
  active: true,
  domain_whitelist: ['Internal.Example.com.'],
  fallback_address: '10.0.0.54',
}
const lab: UpstreamServerRow = { address: '10.9.0.53', active: false, domain_whitelist: ['lab.example.com'] }
const dot: UpstreamServerRow = { address: '1.0.0.1', port: '853', transport: 'dot', active: true }
const doh: UpstreamServerRow = { address: '192.0.2.8', transport: 'doh', doh_url: 'https://doh.example/dns-query', active: true }
const quic: UpstreamServerRow = { address: '1.0.0.1', port: '853', transport: 'quic', active: true }
const dupFallback: UpstreamServerRow = { address: '8.8.4.4', active: true, fallback_address: '8.8.8.8' }

const cases: { name: string; qname: string; rows: UpstreamServerRow[]; fallback?: FallbackEndpoint; unhealthy?: string[]; want: string[] }[] = [
  { name: 'no rows leaves only the global fallback', qname: 'example.com', rows: [], fallback: FB, want: ['1.1.1.1:53'] },
  { name: 'no rows and no fallback selects nothing', qname: 'example.com', rows: [], want: [] },
  { name: 'active global rows then the global fallback', qname: 'example.com', rows: [global1, inactive], fallback: FB, want: ['8.8.8.8:53', '1.1.1.1:53'] },
  {
    name: 'per-row fallbacks (port default 53) come after all selected rows',
    qname: 'example.com',
    rows: [global2, global1],
    fallback: FB,
    want: ['9.9.9.9:5353', '8.8.8.8:53', '149.112.112.112:53', '1.1.1.1:53'],
  },
  { name: 'a whitelist match routes exclusively and skips the global fallback', qname: 'host.internal.example.com', rows: [global1, internal], fallback: FB, want: ['10.0.0.53:53', '10.0.0.54:53'] },
  { name: 'a whitelist matches the exact name, any case, trailing dot', qname: 'INTERNAL.example.com.', rows: [global1, internal], fallback: FB, want: ['10.0.0.53:53', '10.0.0.54:53'] },
  { name: 'a whitelist matches only on a label boundary', qname: 'notinternal.example.com', rows: [global1, internal], fallback: FB, want: ['8.8.8.8:53', '1.1.1.1:53'] },
  { name: 'whitelisted rows are not used for other names', qname: 'example.org', rows: [internal], fallback: FB, want: ['1.1.1.1:53'] },
  { name: 'a match on an inactive whitelist leaves only the global fallback', qname: 'x.lab.example.com', rows: [global1, lab], fallback: FB, want: ['1.1.1.1:53'] },
  { name: 'the global fallback is not repeated when already present', qname: 'example.com', rows: [{ address: '1.1.1.1', active: true }], fallback: FB, want: ['1.1.1.1:53'] },
  { name: 'a per-row fallback equal to a selected row is deduplicated', qname: 'example.com', rows: [dupFallback, global1], want: ['8.8.4.4:53', '8.8.8.8:53'] },
  { name: 'dot rows are selected', qname: 'example.com', rows: [dot, global1], fallback: FB, want: ['1.0.0.1:853', '8.8.8.8:53', '1.1.1.1:53'] },
  { name: 'a dot row on port 53 means 853', qname: 'example.com', rows: [{ ...dot, port: '53' }], want: ['1.0.0.1:853'] },
  { name: 'doh rows use doh_url, a URL address, or the IP', qname: 'example.com', rows: [doh, { address: 'https://dns.example/q', transport: 'doh', active: true }, { address: '192.0.2.7', transport: 'doh', active: true }], want: ['https://doh.example/dns-query', 'https://dns.example/q', 'https://192.0.2.7:443/dns-query'] },
  { name: 'a doh row fallback uses fallback_doh_url', qname: 'example.com', rows: [{ ...doh, fallback_address: '192.0.2.9', fallback_doh_url: 'https://b.example:8443/x' }], want: ['https://doh.example/dns-query', 'https://b.example:8443/x'] },
  { name: 'a doh row without a usable URL or IP is skipped', qname: 'example.com', rows: [{ address: 'https://[bad', transport: 'doh', active: true }, { address: 'name', transport: 'doh', active: true }], want: [] },
  { name: 'unhealthy endpoints are dropped', qname: 'example.com', rows: [global1], fallback: FB, unhealthy: ['8.8.8.8:53'], want: ['1.1.1.1:53'] },
  { name: 'all unhealthy keeps all', qname: 'example.com', rows: [global1], fallback: FB, unhealthy: ['8.8.8.8:53', '1.1.1.1:53'], want: ['8.8.8.8:53', '1.1.1.1:53'] },
  { name: 'an invalid port skips the row', qname: 'example.com', rows: [{ address: '8.8.8.8', port: '99999', active: true }], fallback: FB, want: ['1.1.1.1:53'] },
  { name: 'IPv6 addresses are bracketed', qname: 'example.com', rows: [{ address: '2001:db8::53', port: '53', active: true }], want: ['[2001:db8::53]:53'] },
]

for (const c of cases) {
  t.test(c.name, async (t) => {
    const unhealthy = new Set(c.unhealthy ?? [])
    const sel = selectUpstreams(c.qname, c.rows, { fallback: c.fallback, isHealthy: c.unhealthy ? (a) => !unhealthy.has(a) : undefined })
    t.same(sel.endpoints.map((e) => e.addressPort), c.want)
  })
}

t.test('reports unsupported transports and carries each row transport', async (t) => {
  const sel = selectUpstreams('example.com', [quic, global2], {})
  t.same(sel.skipped, [{ addressPort: '1.0.0.1:853', reason: 'unsupported_transport' }])
  t.same(
    sel.endpoints.map((e) => e.transport),
    ['tcp', 'tcp'],
    'the per-row fallback inherits the row transport',
  )
})

t.test('whitelist matching is exact or a dot-suffix', async (t) => {
  const table: [string, string, boolean][] = [
    ['a.b.c', 'b.c', true],
    ['b.c', 'b.c', true],
    ['ab.c', 'b.c', false],
    ['c', 'b.c', false],
    ['x', '', false],
  ]
  for (const [name, entry, want] of table) t.equal(matchesWhitelist(name, entry), want, `${name} vs ${entry}`)
})

t.test('allActiveEndpoints lists active rows, their fallbacks and the global fallback once each', async (t) => {
  const eps = allActiveEndpoints([global1, internal, inactive, quic, dupFallback], FB)
  t.same(eps.map((e) => e.addressPort), ['8.8.8.8:53', '10.0.0.53:53', '10.0.0.54:53', '8.8.4.4:53', '1.1.1.1:53'])
})

t.test('fallbackFromConfig maps dot/doh and rejects bad input', async (t) => {
  t.same(fallbackFromConfig('1.1.1.1', '53'), FB)
  t.same(fallbackFromConfig('1.1.1.1', '53', 'tcp'), { ...FB, transport: 'tcp' })
  t.same(fallbackFromConfig('1.1.1.1', '53', 'doh'), { ...FB, port: 443, transport: 'doh', url: 'https://1.1.1.1:443/dns-query' })
  t.same(fallbackFromConfig('1.1.1.1', '53', 'dot'), { ...FB, port: 853, transport: 'dot' })
  t.equal(fallbackFromConfig('', '53'), undefined)
  t.equal(fallbackFromConfig('dns.example', '53'), undefined)
  t.equal(fallbackFromConfig('1.1.1.1', 'x'), undefined)
  t.equal(formatAddressPort('::1', 53), '[::1]:53')
})
