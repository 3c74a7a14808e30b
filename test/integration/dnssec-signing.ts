/**
 * Online signing checked by a real validator: delv (bind9-dnsutils) with our KSK as its trust anchor
 * validates a positive answer, a wildcard answer, a name that does not exist and a type that does not
 * (compact denial, RFC 9824), and the apex DNSKEY RRset; and every node of a 3-node cluster configured with
 * the same key files answers records replicated from another node with answers delv validates, through a ZSK
 * rollover done as docs/dnssec.md describes (pre-publish and restart one by one; activate the new key, retire the
 * old one and restart one by one): positive answers and denials from every node validate with the unchanged KSK
 * trust anchor after each step and halfway through the second rolling restart (one node on the new ZSK).
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

t.test('every node of a 3-node cluster validates, before, during and after a ZSK rollover as docs/dnssec.md describes', { skip }, async (t) => {
  const dir = await tempDir(t)
  const ksk = bindKeygen(dir, 13, ZONE, true)
  const zsk1 = bindKeygen(dir, 13, ZONE, false)
  const tagOf = (base: string) => Number(/\+(\d+)$/.exec(basename(base))![1])
  const anchors = anchorFile(dir, ksk + '.key')
  const ports = [await freePort(), await freePort(), await freePort()]
  const nodes: TestNode[] = []
  t.teardown(() => Promise.all(nodes.map((n) => n.daemon.stop())))
  // Every node reads the same key files (one directory stands for each node's identical copy).
  const config = (i: number, keys: string[]) => ({
    cluster_enabled: true, cluster_listen_addr: `127.0.0.1:${ports[i]}`, cluster_auth_token: 'dnssec-cluster-token-for-tests',
    cluster_sync_interval_seconds: 0, cluster_node_id: `node-${i}`, cluster_peers: ports.filter((_, j) => j !== i).map((p) => `127.0.0.1:${p}`),
    dnssec_sign_enabled: true, dnssec_sign_zone: ZONE, dnssec_sign_key_file: keys.map((k) => k + '.key').join(','),
  })
  const hasRecords = async (i: number) => t.ok(await waitFor(async () => ((await queryUdp(nodes[i].dnsPort, 'www.' + ZONE, 'A', 500)).answers ?? []).length === 2, 15_000), `node-${i} has the records`)
  /** Restarts node `i` on its own directory (its records persist there) with `keys`. */
  const restart = async (i: number, keys: string[]) => {
    await nodes[i].daemon.stop()
    nodes[i] = await startTestNode(config(i, keys), { dir: nodes[i].dir })
    await hasRecords(i)
  }
  /** delv validates a positive answer and a denial from every node, each signed by the ZSK with tag `signers[i]`. */
  const checkAll = async (phase: string, signers: number[]) => {
    for (const [i, node] of nodes.entries()) {
      const www = await delvAt(anchors, node.dnsPort, 'www.' + ZONE, 'A')
      t.match(www, /; fully validated/, `${phase}: node-${i}: a positive answer validates`)
      t.same([...www.matchAll(/\sRRSIG\s+A\s+13\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+)\s/g)].map((m) => Number(m[1])), [signers[i]], `${phase}: node-${i} signs with ZSK ${signers[i]}`)
      t.match(await delvAt(anchors, node.dnsPort, 'nope.' + ZONE, 'A'), /; negative response, fully validated/, `${phase}: node-${i}: a denial validates`)
    }
  }
  for (let i = 0; i < 3; i++) nodes.push(await startTestNode(config(i, [ksk, zsk1])))
  for (const r of RECORDS) await nodes[0].daemon.records.add({ name: r.name, type: r.type, value: r.value, ttl: r.ttl })
  for (let i = 0; i < 3; i++) await hasRecords(i)
  const old = tagOf(zsk1)
  await checkAll('replicated', [old, old, old])
  // ZSK step 1: a pre-published ZSK (published now, active in two days), added on every node, restarted one by one
  const zsk2 = join(dir, execFileSync('dnssec-keygen', ['-K', dir, '-a', 'ECDSAP256SHA256', '-P', 'now', '-A', '+2d', '-n', 'ZONE', ZONE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
  const neu = tagOf(zsk2)
  for (let i = 0; i < 3; i++) await restart(i, [ksk, zsk1, zsk2])
  await checkAll('pre-published', [old, old, old])
  const keys = await delvAt(anchors, nodes[2].dnsPort, ZONE, 'DNSKEY')
  t.match(keys, /; fully validated[\s\S]*DNSKEY\s+256\s+3\s+13[\s\S]*DNSKEY\s+256\s+3\s+13/, 'pre-published: both ZSKs are in the validated DNSKEY RRset')
  // step 2 (the activation time reached, here moved to now) and step 3: retire the old ZSK, restart one by one;
  // halfway, the restarted node signs with the new ZSK and the others with the old: every answer still validates
  execFileSync('dnssec-settime', ['-A', 'now', zsk2], { stdio: 'ignore' })
  execFileSync('dnssec-settime', ['-I', 'now', '-D', '+2d', zsk1], { stdio: 'ignore' })
  await restart(0, [ksk, zsk1, zsk2])
  await checkAll('rolling restart', [neu, old, old])
  for (let i = 1; i < 3; i++) await restart(i, [ksk, zsk1, zsk2])
  await checkAll('rolled', [neu, neu, neu])
  t.match(await delvAt(anchors, nodes[1].dnsPort, ZONE, 'DNSKEY'), /; fully validated[\s\S]*DNSKEY\s+257/, 'rolled: the DNSKEY RRset validates')
})
