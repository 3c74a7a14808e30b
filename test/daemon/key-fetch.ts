import t, { type Test } from 'tap'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pino from 'pino'
import { TcpTransport } from '../../src/cluster/transport/tcp-transport.js'
import type { Message } from '../../src/cluster/wire/messages.js'
import { fetchSharedKeys } from '../../src/daemon/key-fetch.js'
import type { BuildContext } from '../../src/daemon/options.js'
import { freePort } from '../helpers/daemon.js'
import { makeNode, startAll } from '../helpers/cluster-node.js'
import { generatedKey } from '../helpers/dnssec-keys.js'
import { tempDir } from '../helpers/fs.js'

const ZONE = 'example.test'

function keyTexts(ksk: boolean): { key: string; private: string } {
  const k = generatedKey(13, ZONE, ksk)
  const d = Buffer.from(k.privateKey.export({ format: 'jwk' }).d as string, 'base64url').toString('base64')
  return { key: `${ZONE}. IN DNSKEY ${k.flags} 3 13 ${k.publicKey.toString('base64')}\n`, private: `Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\nPrivateKey: ${d}\n` }
}

function ctxFor(dir: string, peers: string[], extra: Record<string, unknown> = {}): { ctx: BuildContext; lines: string[] } {
  const lines: string[] = []
  const log = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => void (lines.push(String(c)), cb()) }))
  const config = {
    cluster_enabled: true, cluster_peers: peers, cluster_auth_token: 'shared-token', cluster_node_id: '',
    cluster_tls_cert: '', cluster_tls_key: '', cluster_tls_ca: '', dnssec_key_share_plain: true,
    dnssec_sign_enabled: true, dnssec_sign_zone: ZONE, dnssec_sign_key_file: `${join(dir, 'Kksk')}.key,${join(dir, 'Kzsk')}.key`, dnssec_sign_private_key_file: '',
    ...extra,
  } as unknown as BuildContext['config']
  return { ctx: { config, cfg: () => config, log, stops: undefined as unknown as BuildContext['stops'] }, lines }
}

/** A started cluster node on loopback TCP whose key handler answers `answer` (none: not a signer). */
async function peer(t: Test, answer?: (zone: string) => Message): Promise<string> {
  const node = makeNode(new TcpTransport(), { cluster_listen_addr: '127.0.0.1:0' }, { deps: answer ? { dnssecKeys: answer } : {} })
  await startAll(t, node)
  return node.manager.listenAddress()!
}

t.test('nothing to do: not signing, not clustered, no peers, or every key file present', async (t) => {
  const dir = await tempDir(t)
  for (const extra of [{ dnssec_sign_enabled: false }, { cluster_enabled: false }, { cluster_peers: [] }]) {
    await fetchSharedKeys(ctxFor(dir, ['127.0.0.1:9'], extra).ctx, join(dir, 'dnsplane.json'))
  }
  for (const f of ['Kksk.key', 'Kksk.private', 'Kzsk.key', 'Kzsk.private']) writeFileSync(join(dir, f), 'x')
  await fetchSharedKeys(ctxFor(dir, ['127.0.0.1:9']).ctx, join(dir, 'dnsplane.json'))
  t.equal(readFileSync(join(dir, 'Kksk.key'), 'utf8'), 'x', 'present files untouched')
})

t.test('over plain TCP without dnssec_key_share_plain the node does not ask', async (t) => {
  const dir = await tempDir(t)
  await t.rejects(fetchSharedKeys(ctxFor(dir, ['127.0.0.1:9'], { dnssec_key_share_plain: false }).ctx, join(dir, 'dnsplane.json')), { code: 'ERR_CONFIG_INVALID', message: /missing and DNSSEC keys are shared over cluster TLS only/ })
})

t.test('peers that cannot or will not serve are skipped; start-up fails when none does', async (t) => {
  const dir = await tempDir(t)
  const ksk = keyTexts(true)
  const peers = [
    `127.0.0.1:${await freePort()}`,
    await peer(t),
    await peer(t, () => ({ type: 'error', message: 'this node signs another zone' })),
    await peer(t, () => ({ type: 'dnssec_keys', zone: 'other.test', keys: [{ name: 'Kksk', ...ksk }] })),
    await peer(t, () => ({ type: 'dnssec_keys', zone: ZONE, keys: [{ name: 'Kksk', ...ksk }] })),
    await peer(t, () => ({ type: 'pong' })),
    // an answer beyond the key-fetch frame limit (control characters take 6 bytes each in JSON)
    await peer(t, () => ({ type: 'dnssec_keys', zone: ZONE, keys: Array.from({ length: 16 }, (_, i) => ({ name: `K${i}`, key: '\u0001'.repeat(16_384), private: '\u0001'.repeat(16_384) })) })),
  ]
  const { ctx, lines } = ctxFor(dir, peers)
  await t.rejects(fetchSharedKeys(ctx, join(dir, 'dnsplane.json'), { rounds: 2, retryMs: 1 }), { code: 'ERR_CONFIG_INVALID', message: /DNSSEC key files are missing \(Kksk, Kzsk\) and no cluster peer served them/ })
  const text = lines.join('')
  t.match(text, /cannot reach the cluster peer/)
  t.match(text, /the peer shares no keys/)
  t.match(text, /"error":"this node signs another zone","msg":"DNSSEC key fetch: the peer refused"/)
  t.match(text, /the answer is for zone other\.test, not example\.test","msg":"DNSSEC key fetch: the peer sent keys we refuse"/)
  t.match(text, /key Kzsk is not among the peer's keys","msg":"DNSSEC key fetch: the peer sent keys we refuse"/)
  t.match(text, /"reason":"unexpected_type","msg":"DNSSEC key fetch: invalid answer from the peer"/)
  t.match(text, /"msg":"DNSSEC key fetch failed"/, 'an oversized answer ends the session')
  t.notOk(text.includes(ksk.private.split('PrivateKey: ')[1].trim()), 'no key bytes logged')
  t.notOk(existsSync(join(dir, 'Kksk.key')), 'nothing written')
})

t.test('a peer that serves the keys: missing files written, private ones with mode 0600, present ones kept', async (t) => {
  const dir = await tempDir(t)
  const [ksk, zsk] = [keyTexts(true), keyTexts(false)]
  writeFileSync(join(dir, 'Kzsk.key'), zsk.key)
  const served = await peer(t, (zone) => ({ type: 'dnssec_keys', zone, keys: [{ name: 'Kksk', ...ksk }, { name: 'Kzsk', ...zsk }] }))
  const { ctx, lines } = ctxFor(dir, [served])
  await fetchSharedKeys(ctx, join(dir, 'dnsplane.json'), { rounds: 1 })
  t.equal(readFileSync(join(dir, 'Kksk.key'), 'utf8'), ksk.key)
  t.equal(readFileSync(join(dir, 'Kksk.private'), 'utf8'), ksk.private)
  t.equal(readFileSync(join(dir, 'Kzsk.private'), 'utf8'), zsk.private)
  for (const f of ['Kksk.private', 'Kzsk.private']) t.equal(statSync(join(dir, f)).mode & 0o777, 0o600, `${f} mode 0600`)
  t.match(lines.join(''), /DNSSEC key files fetched from a cluster peer/)
  t.ok(existsSync(join(dir, 'cluster_state.json')), 'the node id announced is the one the cluster keeps')
  // keys that cannot be written (no such directory): a failed attempt, not a crash
  const nowhere = ctxFor(join(dir, 'no-such-dir'), [served])
  await t.rejects(fetchSharedKeys(nowhere.ctx, join(dir, 'dnsplane.json'), { rounds: 1 }), { code: 'ERR_CONFIG_INVALID' })
  t.match(nowhere.lines.join(''), /"msg":"DNSSEC key fetch failed"/)
})
