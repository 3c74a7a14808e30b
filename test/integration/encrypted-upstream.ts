import t from 'tap'
import { configureEncryptedUpstreams } from '../../src/dns/forward/encrypted-upstream.js'
import { queryUdp } from '../helpers/dns-client.js'
import { startTestNode } from '../helpers/daemon.js'
import { makeTestPki, opensslUnavailable, startEncryptedTestNode } from '../helpers/tls-certs.js'

const records = { records: [{ name: 'www.example.net', type: 'A', value: '198.51.100.7', ttl: 120 }] }

t.test('a node forwards to another node over DoT and DoH; an untrusted certificate gives no answer', async (t) => {
  const why = await opensslUnavailable()
  if (why) return t.skip(why, () => {})
  const pki = await makeTestPki(t)
  const { dot, doh } = await startEncryptedTestNode(t, pki, records)
  t.teardown(() => configureEncryptedUpstreams({}))

  const viaDot = await startTestNode({ fallback_server_transport: 'dot', fallback_server_port: String(dot.port), timeout: 3 })
  t.teardown(() => viaDot.daemon.stop())
  const viaDoh = await startTestNode({ fallback_server_transport: 'doh', fallback_server_ip: `https://127.0.0.1:${doh.port}/q`, timeout: 3 })
  t.teardown(() => viaDoh.daemon.stop())

  configureEncryptedUpstreams({ trustedCa: pki.rogueCaCert })
  t.equal((await queryUdp(viaDot.dnsPort, 'www.example.net', 'A', 5000)).rcode, 'SERVFAIL', 'DoT: untrusted certificate')
  t.equal((await queryUdp(viaDoh.dnsPort, 'www.example.net', 'A', 5000)).rcode, 'SERVFAIL', 'DoH: untrusted certificate')

  configureEncryptedUpstreams({ trustedCa: pki.caCert })
  const a = await queryUdp(viaDot.dnsPort, 'www.example.net', 'A', 5000)
  t.match(a.answers, [{ type: 'A', data: '198.51.100.7' }], 'answered over DoT')
  const b = await queryUdp(viaDoh.dnsPort, 'www.example.net', 'A', 5000)
  t.match(b.answers, [{ type: 'A', data: '198.51.100.7' }], 'answered over DoH')

  // per transport: the failed handshakes, the answers, and their latency
  for (const [node, tr] of [[viaDot, 'dot'], [viaDoh, 'doh']] as const) {
    const text = await (await fetch(`http://127.0.0.1:${node.apiPort}/metrics`)).text()
    t.match(text, new RegExp(`^dnsplane_upstream_encrypted_queries_total\\{transport="${tr}",outcome="ok"\\} [1-9]`, 'm'), `${tr}: ok counted`)
    t.match(text, new RegExp(`^dnsplane_upstream_encrypted_queries_total\\{transport="${tr}",outcome="network_error"\\} [1-9]`, 'm'), `${tr}: the untrusted certificate counted`)
    t.match(text, new RegExp(`^dnsplane_upstream_encrypted_duration_seconds_count\\{transport="${tr}"\\} [2-9]`, 'm'), `${tr}: latency observed`)
  }
})
