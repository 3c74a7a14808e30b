/**
 * Keys shared by the cluster (docs/dnssec.md): node B is configured to sign but has no key files; at start it
 * fetches them from node A over the mutual-TLS cluster session, writes them (private keys mode 0600), and both
 * nodes serve the same DNSKEY RRset, which delv validates on B. Over plain TCP the fetch is refused unless
 * dnssec_key_share_plain is set on both nodes. Skipped without openssl, dig, delv or dnssec-keygen.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { copyFile, mkdtemp } from 'node:fs/promises'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, pairClusterConfig, startTestNode } from '../helpers/daemon.js'
import { bindKeygen, hasTool } from '../helpers/dnssec-keys.js'
import { makeTestPki, opensslUnavailable, type TestCert } from '../helpers/tls-certs.js'

const run = promisify(execFile)
const ZONE = 'shared.test'
const at = new Date().toISOString()
const rec = (name: string, type: string, value: string) => ({ name, type, value, ttl: 300, added_on: at, updated_on: at, last_query: at })
const RECORDS = { records: [rec(ZONE, 'SOA', `ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 900 604800 300`), rec(ZONE, 'NS', `ns1.${ZONE}.`), rec('www.' + ZONE, 'A', '192.0.2.1')] }

const noTls = await opensslUnavailable()
const skip = noTls || (['dig', 'delv', 'dnssec-keygen'].every(hasTool) ? false : 'dig, delv or dnssec-keygen not installed')

async function nodeDir(cert?: TestCert, caPath?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-keys-it-'))
  if (cert && caPath) {
    await copyFile(cert.certPath, join(dir, 'node.crt'))
    await copyFile(cert.keyPath, join(dir, 'node.key'))
    await copyFile(caPath, join(dir, 'ca.crt'))
  }
  return dir
}

/** The DNSKEY records (owner TTL class type rdata) `port` answers, sorted. */
async function dnskeys(port: number): Promise<string[]> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), ZONE, 'DNSKEY', '+dnssec', '+noall', '+answer', '+tries=1', '+time=5'])
  return stdout.split('\n').filter((l) => /\sIN\s+DNSKEY\s/.test(l)).map((l) => l.replace(/\s+/g, ' ')).sort()
}

const TLS = { cluster_tls_cert: 'node.crt', cluster_tls_key: 'node.key', cluster_tls_ca: 'ca.crt' }
const sign = (dir: string, ksk: string, zsk: string) => ({ dnssec_sign_enabled: true, dnssec_sign_zone: ZONE, dnssec_sign_key_file: `${join(dir, ksk)}.key,${join(dir, zsk)}.key` })

t.test('a node without key files fetches them from a peer over cluster TLS and signs with them', { skip }, async (t) => {
  const pki = await makeTestPki(t)
  const [pa, pb] = [await freePort(), await freePort()]
  const [dirA, dirB] = [await nodeDir(pki.nodeA, pki.caPath), await nodeDir(pki.nodeB, pki.caPath)]
  const ksk = basename(bindKeygen(dirA, 13, ZONE, true))
  const zsk = basename(bindKeygen(dirA, 13, ZONE, false))
  const a = await startTestNode(pairClusterConfig(pa, pb, 'node-a', 'keys-share-token', { ...TLS, ...sign(dirA, ksk, zsk) }), { dir: dirA, records: RECORDS })
  t.teardown(() => a.daemon.stop())
  const b = await startTestNode(pairClusterConfig(pb, pa, 'node-b', 'keys-share-token', { ...TLS, ...sign(dirB, ksk, zsk) }), { dir: dirB, records: RECORDS })
  t.teardown(() => b.daemon.stop())
  for (const name of [ksk, zsk]) {
    t.equal(readFileSync(join(dirB, name + '.key'), 'utf8'), readFileSync(join(dirA, name + '.key'), 'utf8'), `${name}.key copied`)
    t.equal(readFileSync(join(dirB, name + '.private'), 'utf8'), readFileSync(join(dirA, name + '.private'), 'utf8'), `${name}.private copied`)
    t.equal(statSync(join(dirB, name + '.private')).mode & 0o777, 0o600, `${name}.private has mode 0600`)
  }
  const keysA = await dnskeys(a.dnsPort)
  t.equal(keysA.length, 2, 'A serves the KSK and the ZSK')
  t.same(await dnskeys(b.dnsPort), keysA, 'B serves the same DNSKEY RRset')
  t.notOk(b.logLines.some((l) => l.includes('PrivateKey')), 'no key bytes in B\'s log')
  t.notOk(a.logLines.some((l) => l.includes('PrivateKey')), 'no key bytes in A\'s log')
  const line = readFileSync(join(dirA, ksk + '.key'), 'utf8').split('\n').find((l) => l.includes(' DNSKEY '))!
  const [, flags, proto, alg, b64] = /DNSKEY\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line)!
  const anchors = join(dirB, 'anchors.conf')
  writeFileSync(anchors, `trust-anchors {\n  ${ZONE}. static-key ${flags} ${proto} ${alg} "${b64.replace(/\s+/g, '')}";\n};\n`)
  const r = await run('delv', ['-a', anchors, `+root=${ZONE}`, '@127.0.0.1', '-p', String(b.dnsPort), 'www.' + ZONE, 'A'], { timeout: 20_000 }).catch((e) => e as { stdout: string; stderr: string })
  t.match(r.stdout + r.stderr, /; fully validated[\s\S]*192\.0\.2\.1/, 'delv validates B\'s answer')
})

t.test('over plain TCP the keys are not shared unless dnssec_key_share_plain allows it', { skip: skip || false }, async (t) => {
  const [pa, pb] = [await freePort(), await freePort()]
  const [dirA, dirB] = [await nodeDir(), await nodeDir()]
  const ksk = basename(bindKeygen(dirA, 13, ZONE, true))
  const zsk = basename(bindKeygen(dirA, 13, ZONE, false))
  const a = await startTestNode(pairClusterConfig(pa, pb, 'node-a', 'keys-share-token', { ...sign(dirA, ksk, zsk), dnssec_key_share_plain: true }), { dir: dirA, records: RECORDS })
  t.teardown(() => a.daemon.stop())
  await t.rejects(startTestNode(pairClusterConfig(pb, pa, 'node-b', 'keys-share-token', sign(dirB, ksk, zsk)), { dir: dirB, records: RECORDS }), /cluster TLS only/)
  const b = await startTestNode(pairClusterConfig(pb, pa, 'node-b', 'keys-share-token', { ...sign(dirB, ksk, zsk), dnssec_key_share_plain: true }), { dir: dirB, records: RECORDS })
  t.teardown(() => b.daemon.stop())
  t.same(await dnskeys(b.dnsPort), await dnskeys(a.dnsPort), 'B signs with A\'s keys')
})
