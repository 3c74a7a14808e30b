/**
 * Two real daemons on 127.0.0.1 with record_lww over mutual TLS, configured through dnsplane.json
 * (cluster_tls_cert/key/ca as paths relative to the config directory); a node without a cert signed
 * by the CA is refused; a bad key path stops start-up with an error naming the key.
 */
import { copyFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { freePort, pairClusterConfig, startTestNode, waitFor, type TestNode } from '../helpers/daemon.js'
import { queryUdp } from '../helpers/dns-client.js'
import { makeTestPki, opensslUnavailable, type TestCert } from '../helpers/tls-certs.js'

const reason = await opensslUnavailable()

/** A node directory holding its cert, key and the CA under relative names. */
async function nodeDir(cert: TestCert, caPath: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-tls-it-'))
  await copyFile(cert.certPath, join(dir, 'node.crt'))
  await copyFile(cert.keyPath, join(dir, 'node.key'))
  await copyFile(caPath, join(dir, 'ca.crt'))
  return dir
}

const TLS = { cluster_tls_cert: 'node.crt', cluster_tls_key: 'node.key', cluster_tls_ca: 'ca.crt', cluster_sync_policy: 'record_lww' }

async function answers(node: TestNode, name: string): Promise<string[]> {
  const p = await queryUdp(node.dnsPort, name, 'A', 500)
  return (p.answers ?? []).map((a) => String((a as { data?: unknown }).data))
}

t.test('record_lww over mutual TLS: a write on each node is answered by the other', { skip: reason }, async (t) => {
  const pki = await makeTestPki(t)
  const [pa, pb] = [await freePort(), await freePort()]
  const a = await startTestNode(pairClusterConfig(pa, pb, 'node-a', 'tls-token', TLS), { dir: await nodeDir(pki.nodeA, pki.caPath) })
  t.teardown(() => a.daemon.stop())
  const b = await startTestNode(pairClusterConfig(pb, pa, 'node-b', 'tls-token', TLS), { dir: await nodeDir(pki.nodeB, pki.caPath) })
  t.teardown(() => b.daemon.stop())
  const post = (n: TestNode, name: string, value: string) =>
    fetch(`http://127.0.0.1:${n.apiPort}/dns/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, type: 'A', value, ttl: 60 }),
    })
  t.equal((await post(a, 'tls-a.example', '192.0.2.1')).status, 201)
  t.equal((await post(b, 'tls-b.example', '192.0.2.2')).status, 201)
  t.ok(await waitFor(async () => (await answers(b, 'tls-a.example')).includes('192.0.2.1'), 8000), 'B answers A\'s write')
  t.ok(await waitFor(async () => (await answers(a, 'tls-b.example')).includes('192.0.2.2'), 8000), 'A answers B\'s write')
  const status = (await (await fetch(`http://127.0.0.1:${a.apiPort}/api/v1/cluster`)).json()) as { status: { transport?: string; peers: { sync_mode?: string }[] } }
  t.equal(status.status.transport, 'mutual_tls')
  t.equal(status.status.peers[0].sync_mode, 'record_lww')
})

t.test('a node whose certificate is from another CA gets nothing, and a missing key file stops start-up', { skip: reason }, async (t) => {
  const pki = await makeTestPki(t)
  const [pa, pb] = [await freePort(), await freePort()]
  const a = await startTestNode(pairClusterConfig(pa, pb, 'node-a', 'tls-token', TLS), { dir: await nodeDir(pki.nodeA, pki.caPath) })
  t.teardown(() => a.daemon.stop())
  const rogueDir = await nodeDir(pki.rogue, pki.caPath)
  const rogue = await startTestNode(pairClusterConfig(pb, pa, 'node-r', 'tls-token', TLS), { dir: rogueDir })
  t.teardown(() => rogue.daemon.stop())
  await fetch(`http://127.0.0.1:${rogue.apiPort}/dns/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'rogue.example', type: 'A', value: '192.0.2.66', ttl: 60 }),
  })
  await new Promise((r) => setTimeout(r, 1500))
  t.same(await answers(a, 'rogue.example'), [], 'nothing from a node outside the CA')
  const bad = startTestNode(pairClusterConfig(await freePort(), pa, 'node-x', 'tls-token', { ...TLS, cluster_tls_key: 'missing.key' }), {
    dir: await nodeDir(pki.nodeB, pki.caPath),
  })
  await t.rejects(bad, /cluster_tls_key/, 'start-up fails naming cluster_tls_key')
})
