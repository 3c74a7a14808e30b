import t from 'tap'
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { Writable } from 'node:stream'
import { keyServer, plainShareRefusal } from '../../src/daemon/key-server.js'
import { generatedKey } from '../helpers/dnssec-keys.js'
import { tempDir } from '../helpers/fs.js'

function logger(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = []
  const sink = new Writable({ write: (c, _e, cb) => void (lines.push(String(c)), cb()) })
  return { log: pino({ level: 'debug' }, sink), lines }
}

/** K<name>.key / .private of a fresh key of `zone`; returns the .key path and the private scalar (base64). */
function writeKey(dir: string, zone: string, name: string): { path: string; d: string } {
  const k = generatedKey(13, zone, true)
  const base = join(dir, name)
  writeFileSync(base + '.key', `${zone}. IN DNSKEY ${k.flags} 3 13 ${k.publicKey.toString('base64')}\n`)
  const d = Buffer.from(k.privateKey.export({ format: 'jwk' }).d as string, 'base64url').toString('base64')
  writeFileSync(base + '.private', `Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ${d}\n`)
  chmodSync(base + '.private', 0o600)
  return { path: base + '.key', d }
}

const config = (keyFile: string, extra: Record<string, unknown> = {}) => ({
  cluster_enabled: true, dnssec_sign_enabled: true, dnssec_sign_zone: 'example.test', dnssec_sign_key_file: keyFile, dnssec_sign_private_key_file: '', dnssec_key_share_plain: false, ...extra,
})

t.test('plain TCP is refused unless dnssec_key_share_plain; TLS always allowed', async (t) => {
  t.match(plainShareRefusal({ dnssec_key_share_plain: false }, 'tcp'), /cluster TLS only/)
  t.equal(plainShareRefusal({ dnssec_key_share_plain: true }, 'tcp'), undefined)
  t.equal(plainShareRefusal({ dnssec_key_share_plain: false }, 'tls'), undefined)
  t.equal(plainShareRefusal({ dnssec_key_share_plain: false }, 'mutual_tls'), undefined)
})

t.test('no handler (no capability announced) unless the node is a cluster node that signs', async (t) => {
  const { log } = logger()
  t.equal(keyServer(config('x', { dnssec_sign_enabled: false }), 'tls', log), undefined)
  t.equal(keyServer(config('x', { cluster_enabled: false }), 'tls', log), undefined)
})

t.test('serves its own zone\'s key files, refuses another zone and plain TCP; never logs key bytes', async (t) => {
  const dir = await tempDir(t)
  const { path, d } = writeKey(dir, 'example.test', 'Kexample.test.+013+00001')
  const { log, lines } = logger()
  const serve = keyServer(config(path), 'mutual_tls', log)!
  const ok = serve('Example.Test.', '192.0.2.7')
  t.match(ok, { type: 'dnssec_keys', zone: 'example.test', keys: [{ name: 'Kexample.test.+013+00001' }] })
  t.match((ok as { keys: { private: string }[] }).keys[0].private, d)
  t.same(serve('other.test', '192.0.2.7'), { type: 'error', message: 'this node signs another zone' })
  t.match(serve('example.test', '192.0.2.7'), { type: 'dnssec_keys' })
  t.match(keyServer(config(path), 'tcp', log)!('example.test', '192.0.2.8'), { type: 'error', message: /cluster TLS only/ })
  t.match(keyServer(config(path, { dnssec_key_share_plain: true }), 'tcp', log)!('example.test', '192.0.2.8'), { type: 'dnssec_keys' })
  const text = lines.join('')
  t.match(text, /served the DNSSEC key files to a cluster peer/)
  t.match(text, /asked for the DNSSEC keys over plain TCP; refused/)
  t.notOk(text.includes(d), 'the private key is not in the log')
})

t.test('the key files are read once, at start: a pull serves them from memory and never touches the disk', async (t) => {
  const dir = await tempDir(t)
  const { path, d } = writeKey(dir, 'example.test', 'Kexample.test.+013+00002')
  const keyText = readFileSync(path, 'utf8')
  const serve = keyServer(config(path), 'tls', logger().log)!
  // After start the files go away, then come back unsafe (mode 0644): neither is seen by a pull.
  rmSync(path)
  rmSync(path.replace(/\.key$/, '.private'))
  const served = serve('example.test', '192.0.2.7')
  t.match(served, { type: 'dnssec_keys', keys: [{ name: 'Kexample.test.+013+00002', key: keyText }] })
  t.ok((served as { keys: { private: string }[] }).keys[0].private.includes(d), 'the private key read at start')
  writeKey(dir, 'example.test', 'Kexample.test.+013+00002')
  chmodSync(path.replace(/\.key$/, '.private'), 0o644)
  t.match(serve('example.test', '192.0.2.7'), { type: 'dnssec_keys', keys: [{ key: keyText }] })
})

t.test('a key file that fails the checks at start stops the start, naming the file and never the key', async (t) => {
  const dir = await tempDir(t)
  const { path, d } = writeKey(dir, 'example.test', 'Kexample.test.+013+00003')
  const { log, lines } = logger()
  chmodSync(path.replace(/\.key$/, '.private'), 0o644)
  t.throws(() => keyServer(config(path), 'tls', log), { code: 'ERR_CONFIG_INVALID', message: /Kexample\.test\.\+013\+00003\.private: mode 0644.*chmod 600/ })
  rmSync(path)
  t.throws(() => keyServer(config(path), 'tls', log), { code: 'ERR_CONFIG_INVALID', message: /Kexample\.test\.\+013\+00003\.key: cannot read it \(ENOENT\)/ })
  t.notOk(lines.join('').includes(d))
})
