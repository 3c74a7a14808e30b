import t from 'tap'
import { execFile } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { copyFile } from 'node:fs/promises'
import http2 from 'node:http2'
import { join } from 'node:path'
import tls from 'node:tls'
import { promisify } from 'node:util'
import dnsPacket from 'dns-packet'
import { queryTcp, queryUdp } from '../helpers/dns-client.js'
import { startTestNode } from '../helpers/daemon.js'
import { makeTestPki, opensslUnavailable, startEncryptedTestNode } from '../helpers/tls-certs.js'

const run = promisify(execFile)
const records = { records: [{ name: 'www.example.net', type: 'A', value: '198.51.100.7', ttl: 120 }] }

const peerFingerprint = (port: number, ca: Buffer) =>
  new Promise<string | undefined>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(s.getPeerX509Certificate()?.fingerprint256)
      s.destroy()
    })
    s.once('error', reject)
  })

t.test('a node with dot_enabled and doh_enabled answers over TLS and HTTPS as over UDP', async (t) => {
  const why = await opensslUnavailable()
  if (why) return t.skip(why, () => {})
  const pki = await makeTestPki(t)
  const { node, dir, dot, doh } = await startEncryptedTestNode(t, pki, records)
  t.same([dot.address, doh.address], ['127.0.0.1', '127.0.0.1'], 'dot_bind and doh_bind: not the wildcard')

  const plain = await queryUdp(node.dnsPort, 'www.example.net', 'A')
  t.same((await queryTcp(node.dnsPort, 'www.example.net', 'A')).answers, plain.answers)
  const hasKdig = await run('kdig', ['--version']).then(() => true, () => false)
  if (hasKdig) {
    const tlsArgs = [`+tls-ca=${pki.caPath}`, '+tls-hostname=localhost', '@127.0.0.1', 'www.example.net', 'A', '+short']
    t.equal((await run('kdig', ['+tls', '-p', String(dot.port), ...tlsArgs], { timeout: 10_000 })).stdout.trim(), '198.51.100.7', 'kdig +tls')
    t.equal((await run('kdig', ['+https=/q', '-p', String(doh.port), ...tlsArgs], { timeout: 10_000 })).stdout.trim(), '198.51.100.7', 'kdig +https')
  }
  const body = await new Promise<Buffer>((resolve, reject) => {
    const s = http2.connect(`https://127.0.0.1:${doh.port}`, { ca: pki.caCert, servername: 'localhost' })
    s.on('error', reject)
    const q = dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'www.example.net', type: 'A', class: 'IN' }] })
    const req = s.request({ ':method': 'GET', ':path': `/q?dns=${q.toString('base64url')}` })
    const parts: Buffer[] = []
    req.on('data', (d: Buffer) => parts.push(d))
    req.on('end', () => {
      s.close()
      resolve(Buffer.concat(parts))
    })
  })
  t.same(dnsPacket.decode(body).answers, plain.answers, 'DoH GET: the same answer')

  // SIGHUP reload: new files on disk are served to new connections on both listeners
  await copyFile(pki.nodeB.certPath, join(dir, 'dns.crt'))
  await copyFile(pki.nodeB.keyPath, join(dir, 'dns.key'))
  await node.daemon.reload()
  const fpB = new X509Certificate(pki.nodeB.cert).fingerprint256
  t.equal(await peerFingerprint(dot.port, pki.caCert), fpB, 'DoT serves the reloaded certificate')
  t.equal(await peerFingerprint(doh.port, pki.caCert), fpB, 'DoH serves the reloaded certificate')

  // a broken pair on reload is refused and the running one kept
  await copyFile(pki.nodeA.keyPath, join(dir, 'dns.key'))
  await node.daemon.reload()
  t.equal(await peerFingerprint(dot.port, pki.caCert), fpB, 'mismatched key on reload: current certificate kept')
  t.ok(node.logLines.some((l) => l.includes('certificate reload failed')), 'the failed reload is logged')
})

t.test('dot_enabled with a missing key file refuses to start, naming the key', async (t) => {
  const why = await opensslUnavailable()
  if (why) return t.skip(why, () => {})
  const pki = await makeTestPki(t)
  await t.rejects(
    startTestNode({ dot_enabled: true, dot_bind: '127.0.0.1', dot_port: '0', dot_cert_file: pki.nodeA.certPath, dot_key_file: join(pki.dir, 'nope.key') }),
    { code: 'ERR_CONFIG_INVALID', message: /^dot_key_file: cannot read/ },
  )
  await t.rejects(
    startTestNode({ doh_enabled: true, doh_bind: '127.0.0.1', doh_port: '0', doh_cert_file: '', doh_key_file: pki.nodeA.keyPath }),
    { code: 'ERR_CONFIG_INVALID', message: /^doh_cert_file: must be set/ },
  )
  await t.rejects(
    startTestNode({ doh_enabled: true, doh_bind: '127.0.0.1', doh_port: '0', doh_path: 'dns-query', doh_cert_file: pki.nodeA.certPath, doh_key_file: pki.nodeA.keyPath }),
    { code: 'ERR_CONFIG_INVALID', message: /^doh_path: must start with "\/"/ },
  )
})
