import t from 'tap'
import { discoverSrvPeers, mergePeers, normalizeSrvName, srvTargetsToPeers } from '../../../src/cluster/peers/discovery.js'

t.test('validates SRV names (RFC 2782 form) and strips one trailing dot', async (t) => {
  const cases: [string | undefined, string | undefined][] = [
    ['_dnsplane._tcp.example.com.', '_dnsplane._tcp.example.com'],
    ['  _dnsplane._udp.example.com ', '_dnsplane._udp.example.com'],
    ['dnsplane._tcp.example.com', undefined],
    ['_dnsplane.example.com', undefined],
    ['', undefined],
    [undefined, undefined],
  ]
  for (const [input, want] of cases) t.equal(normalizeSrvName(input), want, String(input))
})

t.test('sorts by priority ascending then weight descending, stable, skipping empty targets and port 0', async (t) => {
  const peers = srvTargetsToPeers([
    { name: 'c.example.', port: 7946, priority: 10, weight: 5 },
    { name: 'a.example.', port: 7946, priority: 0, weight: 1 },
    { name: 'b.example.', port: 7000, priority: 0, weight: 9 },
    { name: '', port: 7946, priority: 0, weight: 100 },
    { name: 'z.example.', port: 0, priority: 0, weight: 100 },
    { name: 'd.example', port: 7946, priority: 0, weight: 1 },
    { name: '2001:db8::1', port: 7946, priority: 20, weight: 0 },
  ])
  t.same(peers, ['b.example:7000', 'a.example:7946', 'd.example:7946', 'c.example:7946', '[2001:db8::1]:7946'])
})

t.test('merges static first, then SRV, trimmed and de-duplicated by exact string', async (t) => {
  t.same(mergePeers([' 10.0.0.1:7946', '', 'node1:7946', '10.0.0.1:7946'], ['node1:7946', '10.0.0.2:7946', ' ']), [
    '10.0.0.1:7946',
    'node1:7946',
    '10.0.0.2:7946',
  ])
})

t.test('a failed lookup gives no SRV peers and the error text; an invalid name does not look up', async (t) => {
  const failed = await discoverSrvPeers('_x._tcp.example.com', async () => {
    throw new Error('queryTxt ENOTFOUND')
  })
  t.same(failed, { peers: [], error: 'queryTxt ENOTFOUND', looked_up: true })
  let called = false
  const skipped = await discoverSrvPeers('example.com', async () => {
    called = true
    return []
  })
  t.same(skipped, { peers: [], looked_up: false })
  t.notOk(called)
})
