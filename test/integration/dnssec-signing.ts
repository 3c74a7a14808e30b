/**
 * Online signing checked by a real validator: delv (bind9-dnsutils) with our KSK as its trust anchor
 * validates a positive answer, a wildcard answer, a name that does not exist and a type that does not
 * (compact denial, RFC 9824), and the apex DNSKEY RRset; and every node of a 3-node cluster configured with
 * the same key files answers records replicated from another node with answers delv validates; and a ZSK rollover
 * done as docs/dnssec.md describes (pre-publish, restart, activate the new key and retire the old one, restart)
 * keeps every answer valid for delv with the unchanged KSK trust anchor.
 * Skipped when delv or dnssec-keygen is missing.
 */
import t from 'tap'
import { execFile, execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, startTestNode, waitFor, type TestNode } from '../helpers/daemon.js'
import { queryUdp } from '../helpers/dns-client.js'
import { bindKeygen, hasTool } from '../helpers/dnssec-keys.js'
import { tempDir } from '../helpers/fs.js'

const run = promisify(execFile)
const ZONE = 'signed.test'
const at = new Date().toISOString()
const rec = (name: string, type: string, value: string, ttl = 300) => ({ name, type, value, ttl, added_on: at, updated_on: at, last_query: at })
const RECORDS = [
  rec(ZONE, 'SOA', `ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 900 604800 300`),
  rec(ZONE, 'NS', `ns1.${ZONE}.`),
  rec('ns1.' + ZONE, 'A', '192.0.2.53'),
  rec('www.' + ZONE, 'A', '192.0.2.1'),
  rec('www.' + ZONE, 'A', '192.0.2.2'),
  rec('*.wild.' + ZONE, 'A', '192.0.2.9'),
  rec('alias.' + ZONE, 'CNAME', `www.${ZONE}.`),
  rec('mail.' + ZONE, 'MX', `10 www.${ZONE}.`),
]

/** delv's trust-anchors clause for the KSK in `keyFile`. */
function anchorFile(dir: string, keyFile: string): string {
  const line = readFileSync(keyFile, 'utf8').split('\n').find((l) => l.includes(' DNSKEY '))!
  const [, flags, proto, alg, ...b64] = /DNSKEY\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line)!
  const path = join(dir, 'anchors.conf')
  writeFileSync(path, `trust-anchors {\n  ${ZONE}. static-key ${flags} ${proto} ${alg} "${b64.join('').replace(/\s+/g, '')}";\n};\n`)
  return path
}

/** delv's output (stdout and stderr) for `name`/`type` asked of 127.0.0.1:`port` with the trust anchors in `anchors`. */
async function delvAt(anchors: string, port: number, name: string, type: string): Promise<string> {
  const r = await run('delv', ['-a', anchors, `+root=${ZONE}`, '@127.0.0.1', '-p', String(port), name, type], { timeout: 20_000 }).catch((e) => e as { stdout: string; stderr: string })
  return r.stdout + r.stderr
}

const skip = hasTool('delv') && hasTool('dnssec-keygen') && hasTool('dnssec-settime') ? false : 'delv, dnssec-keygen or dnssec-settime not installed'

t.test('delv fully validates our signed answers and denials', { skip }, async (t) => {
  const dir = await tempDir(t)
  const ksk = bindKeygen(dir, 13, ZONE, true)
  const zsk = bindKeygen(dir, 13, ZONE, false)
  const node = await startTestNode(
    { dnssec_sign_enabled: true, dnssec_sign_zone: ZONE, dnssec_sign_key_file: `${ksk}.key,${zsk}.key` },
    { records: { records: RECORDS } },
  )
  t.teardown(() => node.daemon.stop())
  const anchors = anchorFile(dir, ksk + '.key')
  const delv = (name: string, type: string) => delvAt(anchors, node.dnsPort, name, type)
  for (const [name, type, expect] of [
    [`www.${ZONE}`, 'A', /; fully validated[\s\S]*192\.0\.2\.1/],
    [`a.b.wild.${ZONE}`, 'A', /; fully validated[\s\S]*a\.b\.wild\.signed\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.9/],
    [`alias.${ZONE}`, 'A', /; fully validated[\s\S]*CNAME/],
    [`nope.${ZONE}`, 'A', /; negative response, fully validated[\s\S]*NSEC \\000\.nope\.signed\.test\. RRSIG NSEC TYPE128/],
    [`www.${ZONE}`, 'TXT', /; negative response, fully validated[\s\S]*NSEC \\000\.www\.signed\.test\. A RRSIG NSEC/],
    [`x.wild.${ZONE}`, 'TXT', /; negative response, fully validated/],
    [ZONE, 'DNSKEY', /; fully validated[\s\S]*DNSKEY\s+257/],
    [`mail.${ZONE}`, 'MX', /; fully validated/],
  ] as const) {
    const out = await delv(name, type)
    t.match(out, expect, `${name} ${type}: ${out.split('\n').filter((l) => l.startsWith(';')).join(' | ')}`)
    // delv reports a validated negative answer as "resolution failed: ncache nx..."; anything else is a failure
    t.notMatch(out.replace(/resolution failed: ncache nx\w+/, ''), /resolution failed|unsigned answer|insecurity proof failed/, `${name} ${type} is not bogus`)
  }
})

t.test('every node of a 3-node cluster with the same key files validates', { skip }, async (t) => {
  const dir = await tempDir(t)
  const ksk = bindKeygen(dir, 13, ZONE, true)
  const zsk = bindKeygen(dir, 13, ZONE, false)
  const ports = [await freePort(), await freePort(), await freePort()]
  const nodes: TestNode[] = []
  t.teardown(() => Promise.all(nodes.map((n) => n.daemon.stop())))
  for (let i = 0; i < 3; i++) {
    nodes.push(await startTestNode({
      cluster_enabled: true, cluster_listen_addr: `127.0.0.1:${ports[i]}`, cluster_auth_token: 'dnssec-cluster-token-for-tests',
      cluster_sync_interval_seconds: 0, cluster_node_id: `node-${i}`, cluster_peers: ports.filter((_, j) => j !== i).map((p) => `127.0.0.1:${p}`),
      dnssec_sign_enabled: true, dnssec_sign_zone: ZONE, dnssec_sign_key_file: `${ksk}.key,${zsk}.key`,
    }))
  }
  for (const r of RECORDS) await nodes[0].daemon.records.add({ name: r.name, type: r.type, value: r.value, ttl: r.ttl })
  const anchors = anchorFile(dir, ksk + '.key')
  for (const [i, node] of nodes.entries()) {
    const seen = await waitFor(async () => ((await queryUdp(node.dnsPort, 'www.' + ZONE, 'A', 500)).answers ?? []).length === 2, 15_000)
    t.ok(seen, `node-${i} has the records`)
    t.match(await delvAt(anchors, node.dnsPort, 'www.' + ZONE, 'A'), /; fully validated/, `node-${i}: a positive answer validates`)
    t.match(await delvAt(anchors, node.dnsPort, 'nope.' + ZONE, 'A'), /; negative response, fully validated/, `node-${i}: a denial validates`)
  }
})

t.test('a ZSK rollover as docs/dnssec.md describes keeps answers valid', { skip }, async (t) => {
  const dir = await tempDir(t)
  const ksk = bindKeygen(dir, 13, ZONE, true)
  const zsk1 = bindKeygen(dir, 13, ZONE, false)
  const tagOf = (base: string) => Number(/\+(\d+)$/.exec(basename(base))![1])
  const anchors = anchorFile(dir, ksk + '.key')
  let node: TestNode | undefined
  t.teardown(() => node?.daemon.stop())
  const start = async (keys: string[]) => {
    await node?.daemon.stop()
    node = await startTestNode({ dnssec_sign_enabled: true, dnssec_sign_zone: ZONE, dnssec_sign_key_file: keys.map((k) => k + '.key').join(',') }, { dir, records: { records: RECORDS } })
  }
  /** delv's verdict on www A, the key tags of its RRSIGs and the DNSKEY tags it validated. */
  const check = async () => {
    const www = await delvAt(anchors, node!.dnsPort, 'www.' + ZONE, 'A')
    const keys = await delvAt(anchors, node!.dnsPort, ZONE, 'DNSKEY')
    const sigTags = [...www.matchAll(/\sRRSIG\s+A\s+13\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+)\s/g)].map((m) => Number(m[1]))
    return { www, keys, sigTags }
  }
  await start([ksk, zsk1])
  // step 1: a pre-published ZSK (published now, active in two days)
  const zsk2 = join(dir, execFileSync('dnssec-keygen', ['-K', dir, '-a', 'ECDSAP256SHA256', '-P', 'now', '-A', '+2d', '-n', 'ZONE', ZONE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
  await start([ksk, zsk1, zsk2])
  let seen = await check()
  t.match(seen.www, /; fully validated/, 'pre-published: a positive answer validates')
  t.same(seen.sigTags, [tagOf(zsk1)], 'pre-published: only the old ZSK signs')
  t.match(seen.keys, /; fully validated/, 'pre-published: the DNSKEY RRset validates')
  t.match(seen.keys, new RegExp(`DNSKEY\\s+256\\s+3\\s+13[\\s\\S]*DNSKEY\\s+256\\s+3\\s+13`), 'pre-published: both ZSKs are in the DNSKEY RRset')
  // step 2 (the activation time reached, here moved to now) and step 3: retire the old ZSK, restart
  execFileSync('dnssec-settime', ['-A', 'now', zsk2], { stdio: 'ignore' })
  execFileSync('dnssec-settime', ['-I', 'now', '-D', '+2d', zsk1], { stdio: 'ignore' })
  await start([ksk, zsk1, zsk2])
  seen = await check()
  t.match(seen.www, /; fully validated/, 'rolled: a positive answer validates')
  t.same(seen.sigTags, [tagOf(zsk2)], 'rolled: the new ZSK signs, the old one no longer does')
  t.match(seen.keys, /; fully validated/, 'rolled: the DNSKEY RRset validates')
  t.match(await delvAt(anchors, node!.dnsPort, 'nope.' + ZONE, 'A'), /; negative response, fully validated/, 'rolled: a denial validates')
})
