import t from 'tap'
import { copyFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { configureEncryptedUpstreams } from '../../src/dns/forward/encrypted-upstream.js'
import { queryUdp } from '../helpers/dns-client.js'
import { startTestNode } from '../helpers/daemon.js'
import { makeTestPki, opensslUnavailable } from '../helpers/tls-certs.js'

const records = { records: [{ name: 'www.example.net', type: 'A', value: '198.51.100.7', ttl: 120 }] }

t.test('a node forwards to another node over DoT and DoH; an untrusted certificate gives no answer', async (t) => {
  const why = await opensslUnavailable()
  if (why) return t.skip(why)
  const pki = await makeTestPki(t)
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-it-'))
  await copyFile(pki.nodeA.certPath, join(dir, 'dns.crt'))
  await copyFile(pki.nodeA.keyPath, join(dir, 'dns.key'))
  const upstream = await startTestNode({
    dot_enabled: true, dot_bind: '127.0.0.1', dot_port: '0', dot_cert_file: 'dns.crt', dot_key_file: 'dns.key',
    doh_enabled: true, doh_bind: '127.0.0.1', doh_port: '0', doh_path: '/q', doh_cert_file: 'dns.crt', doh_key_file: 'dns.key',
  }, { dir, records })
  t.teardown(() => upstream.daemon.stop())
  const { dot, doh } = upstream.daemon.encryptedDnsAddress?.() ?? {}
  if (!dot || !doh) throw new Error('encrypted listeners did not start')
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
})
