// Cost of DNSSEC per query on the real daemon (`dnsplane server`, dist/): one node signs signed.bench
// (ECDSA P-256 KSK + ZSK from dnssec-keygen) and answers NAMES distinct names asked without DO, then with DO
// (the signature cache cold: every RRset signed on first ask), then again with DO (signature cache and fast path
// warm), then NAMES names that do not exist with DO (one NSEC signed per name, compact denial). Then a second
// node forwards to the first, once plain and once validating (dnssec_validate, trust anchor = our KSK): every
// name once (cold: an upstream round trip, plus a verification per answer when validating; the difference of
// the two is the cost of validation), then again (answers and verdicts from its cache).
// A warm-up pass on other names comes first. A Node UDP client keeps WINDOW queries outstanding; per row: queries per second, the answering node's CPU per
// query (/proc utime+stime) and the mean reply size. Figures only, no assertions. Needs dist/ and dnssec-keygen.
// Knobs: NAMES (3000), REPEAT (3: passes of the warm rows), WINDOW (32), ALG (ECDSAP256SHA256).
import { execFileSync } from 'node:child_process'
import dgram from 'node:dgram'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cleanup, installExitHandlers, stopChild, tempDir } from './lib/proc.mjs'
import { BenchNode } from './lib/node.mjs'
import { fmt, int, loadText, log, markdownTable } from './lib/stats.mjs'

const NAMES = Number(process.env.NAMES ?? 3000)
const REPEAT = Number(process.env.REPEAT ?? 3)
const WINDOW = Number(process.env.WINDOW ?? 32)
const ALG = process.env.ALG ?? 'ECDSAP256SHA256'
const ZONE = 'signed.bench'
installExitHandlers(Number(process.env.BENCH_TIMEOUT_S ?? 600) * 1000)

try {
  execFileSync('dnssec-keygen', ['-h'], { stdio: 'ignore' })
} catch (e) {
  if (e.code === 'ENOENT') throw new Error('dnssec-keygen not found: apt-get install bind9-utils')
}
const work = tempDir('dnsplane-dnssec-')
const keygen = (...args) => join(work, execFileSync('dnssec-keygen', ['-K', work, '-a', ALG, ...args, '-n', 'ZONE', ZONE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
const ksk = keygen('-f', 'KSK')
const zsk = keygen()
const names = Array.from({ length: NAMES }, (_, i) => `h${i}.${ZONE}`)
const records = [
  { name: ZONE, type: 'SOA', value: `ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 900 604800 300`, ttl: 300 },
  { name: ZONE, type: 'NS', value: `ns1.${ZONE}.`, ttl: 300 },
  { name: 'ns1.' + ZONE, type: 'A', value: '192.0.2.53', ttl: 300 },
  ...names.map((name, i) => ({ name, type: 'A', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ttl: 3600 })),
]

/** A query for `name` A with id `id`; with `dnssecOk` an OPT RR (EDNS 1232 bytes) with the DO bit (RFC 3225). */
function query(id, name, dnssecOk) {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]))
  const head = Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, dnssecOk ? 1 : 0])
  const opt = dnssecOk ? Buffer.from([0, 0, 41, 4, 208, 0, 0, 0x80, 0, 0, 0]) : Buffer.alloc(0)
  return Buffer.concat([head, ...labels, Buffer.from([0, 0, 1, 0, 1]), opt])
}

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) / 100
}

/** Asks every name of `list` of `node` with WINDOW outstanding; a reply not back within 2 s counts as lost. */
async function pass(node, list, dnssecOk) {
  const sock = dgram.createSocket('udp4')
  await new Promise((r) => sock.bind(0, '127.0.0.1', r))
  const pending = new Map()
  let next = 0
  let done = 0
  let lost = 0
  let bytes = 0
  let rcodes = 0
  let ad = 0
  const cpu0 = cpuSeconds(node.proc.pid)
  const t0 = process.hrtime.bigint()
  await new Promise((resolve) => {
    const send = () => {
      while (pending.size < WINDOW && next < list.length) {
        const id = next & 0xffff
        pending.set(id, Date.now())
        sock.send(query(id, list[next++], dnssecOk), node.dnsPort, node.host)
      }
      if (done + lost === list.length) resolve()
    }
    sock.on('message', (m) => {
      if (!pending.delete(m.readUInt16BE(0))) return
      done++
      bytes += m.length
      if ((m[3] & 15) !== 0) rcodes++
      if ((m[3] & 0x20) !== 0) ad++
      send()
    })
    const sweep = setInterval(() => {
      for (const [id, at] of pending) if (Date.now() - at > 2000) (pending.delete(id), lost++)
      send()
    }, 200)
    sweep.unref()
    send()
  })
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = cpuSeconds(node.proc.pid) - cpu0
  sock.close()
  return { n: list.length, qps: list.length / wall, cpuUs: (cpu / list.length) * 1e6, bytes: bytes / Math.max(done, 1), lost, rcodes, ad }
}

const rows = []
function row(label, r) {
  rows.push([label, int(r.n), int(r.qps), fmt(r.cpuUs, 0), int(r.bytes), int(r.lost), int(r.rcodes), int(r.ad)])
  log(label, JSON.stringify(r))
}
const repeated = (list) => Array.from({ length: REPEAT }, () => list).flat()

const signer = await BenchNode.create({ id: 'signer', host: '127.0.0.1', dir: tempDir('dnsplane-dnssec-a-'), apiToken: 'bench-dnssec-token-0123456789' })
signer.writeFiles({ cluster_enabled: false, dnssec_sign_enabled: true, dnssec_sign_zone: ZONE, dnssec_sign_key_file: `${ksk}.key,${zsk}.key` }, records)
await signer.start()
log(`signer up on ${signer.host}:${signer.dnsPort}, ${NAMES} names`)
// warm-up (not reported): the JIT and the code paths, on names the rows below never ask
const warmNames = names.slice(0, 500).map((n) => 'warm-' + n)
await pass(signer, warmNames, false)
await pass(signer, warmNames, true)
row('no DO, first ask (fast path cold)', await pass(signer, names, false))
row('no DO, repeated (fast path warm)', await pass(signer, repeated(names), false))
row('DO, first ask (signature cache cold: one ZSK signature per answer)', await pass(signer, names, true))
row('DO, repeated (signature cache and fast path warm)', await pass(signer, repeated(names), true))
row('DO, names that do not exist (one NSEC signed per answer)', await pass(signer, names.map((n) => 'x' + n), true))

// the validating forwarder: trust anchor = the KSK's DNSKEY, in zone-file form
const dnskey = readFileSync(ksk + '.key', 'utf8').split('\n').find((l) => l.includes(' DNSKEY '))
writeFileSync(join(work, 'anchor.zone'), dnskey.replace(/^\S+/, ZONE + '.') + '\n')
for (const validate of [false, true]) {
  const kind = validate ? 'validating forwarder' : 'plain forwarder'
  const fwd = await BenchNode.create({ id: kind.replace(' ', '-'), host: '127.0.0.1', dir: tempDir('dnsplane-dnssec-b-'), apiToken: 'bench-dnssec-token-0123456789' })
  fwd.writeFiles({
    cluster_enabled: false, cache_records: true, fallback_server_port: String(signer.dnsPort),
    ...(validate ? { dnssec_validate: true, dnssec_validate_strict: true, dnssec_trust_anchor_file: join(work, 'anchor.zone') } : {}),
  }, [])
  await fwd.start()
  const first = await pass(fwd, names.slice(0, 1), true)
  if (first.rcodes > 0 || (validate && first.ad === 0)) throw new Error(`the ${kind} does not answer NOERROR${validate ? ' with AD' : ''}: ` + fwd.log.slice(-10).join('\n'))
  await pass(fwd, warmNames, true) // warm-up, as for the signer
  row(`${kind}, DO, first ask (upstream round trip${validate ? ' + one verification' : ''} per answer)`, await pass(fwd, names.slice(1), true))
  row(`${kind}, DO, repeated (answer${validate ? ' and verdict' : ''} cached)`, await pass(fwd, repeated(names), true))
  await stopChild(fwd.proc)
}

console.log(`${NAMES} names in ${ZONE} (${ALG}), ${WINDOW} queries outstanding, UDP over loopback; ${loadText()}`)
console.log(markdownTable(['case', 'queries', 'qps', 'node CPU µs/query', 'reply bytes', 'lost', 'rcode≠0', 'AD set'], rows))
await cleanup()
process.exit(0)
