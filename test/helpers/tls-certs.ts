/**
 * Test PKI generated at test time with the `openssl` CLI into a temp directory: a cluster CA with
 * two node certificates (IP SAN 127.0.0.1, serverAuth + clientAuth) and a rogue CA with one node
 * certificate. Nothing is checked in; keys are throw-away EC P-256.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startTestNode, type TestNode } from './daemon.js'

const run = promisify(execFile)

export interface TestCert {
  cert: Buffer
  key: Buffer
  certPath: string
  keyPath: string
}

export interface TestPki {
  dir: string
  caCert: Buffer
  caPath: string
  nodeA: TestCert
  nodeB: TestCert
  /** A second, unrelated CA and a node cert it signed. */
  rogueCaCert: Buffer
  rogue: TestCert
}

/** Undefined when `openssl` runs, else the reason it does not (for a skip message). */
export async function opensslUnavailable(): Promise<string | undefined> {
  try {
    await run('openssl', ['version'], { timeout: 10_000 })
    return undefined
  } catch (err) {
    return `openssl not usable: ${(err as Error).message}`
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

async function makeCa(dir: string, name: string): Promise<{ crt: string; key: string }> {
  const crt = join(dir, `${name}.crt`)
  const key = join(dir, `${name}.key`)
  await run('openssl', [
    'req', '-x509', ...EC, '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ], { timeout: 30_000 })
  return { crt, key }
}

async function makeNode(dir: string, name: string, ca: { crt: string; key: string }): Promise<TestCert> {
  const keyPath = join(dir, `${name}.key`)
  const csr = join(dir, `${name}.csr`)
  const certPath = join(dir, `${name}.crt`)
  const ext = join(dir, `${name}.ext`)
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n')
  await run('openssl', ['req', '-new', ...EC, '-keyout', keyPath, '-out', csr, '-subj', `/CN=${name}`], { timeout: 30_000 })
  await run('openssl', [
    'x509', '-req', '-in', csr, '-CA', ca.crt, '-CAkey', ca.key, '-CAcreateserial', '-out', certPath, '-days', '2', '-extfile', ext,
  ], { timeout: 30_000 })
  return { cert: await readFile(certPath), key: await readFile(keyPath), certPath, keyPath }
}

/** Generates the PKI; the directory is removed at teardown. */
export async function makeTestPki(t: { teardown(fn: () => unknown): void }): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-tls-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const ca = await makeCa(dir, 'cluster-ca')
  const rogueCa = await makeCa(dir, 'rogue-ca')
  return {
    dir,
    caCert: await readFile(ca.crt),
    caPath: ca.crt,
    nodeA: await makeNode(dir, 'node-a', ca),
    nodeB: await makeNode(dir, 'node-b', ca),
    rogueCaCert: await readFile(rogueCa.crt),
    rogue: await makeNode(dir, 'rogue', rogueCa),
  }
}

/**
 * Starts a node with DoT and DoH listeners on 127.0.0.1 (ephemeral ports, DoH path /q) serving
 * `pki.nodeA` from dns.crt/dns.key in its directory (relative paths resolve against the directory of
 * dnsplane.json); stopped at teardown. Tests swap the files and call reload() to test SIGHUP.
 */
export async function startEncryptedTestNode(
  t: { teardown(fn: () => unknown): void }, pki: TestPki, records: unknown, extra: Record<string, unknown> = {},
): Promise<{ node: TestNode; dir: string; dot: AddressInfo; doh: AddressInfo }> {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-it-'))
  await copyFile(pki.nodeA.certPath, join(dir, 'dns.crt'))
  await copyFile(pki.nodeA.keyPath, join(dir, 'dns.key'))
  const node = await startTestNode({
    dot_enabled: true, dot_bind: '127.0.0.1', dot_port: '0', dot_cert_file: 'dns.crt', dot_key_file: 'dns.key',
    doh_enabled: true, doh_bind: '127.0.0.1', doh_port: '0', doh_path: '/q', doh_cert_file: 'dns.crt', doh_key_file: 'dns.key',
    ...extra,
  }, { dir, records })
  t.teardown(() => node.daemon.stop())
  const { dot, doh } = node.daemon.encryptedDnsAddress?.() ?? {}
  if (!dot || !doh) throw new Error('encrypted listeners did not start')
  return { node, dir, dot, doh }
}
