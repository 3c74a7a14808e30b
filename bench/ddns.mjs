// Dynamic update (RFC 2136) benchmark, issue #15: `nsupdate` batches signed with TSIG (hmac-sha256)
// against node 0 of a dnsplane cluster and against knotd (DDNS on, same key) side by side, interleaved
// per run; for dnsplane also the time until EVERY other node answers the last name of the run over UDP
// (polled every POLL_MS from when nsupdate exits). One nsupdate process per run sends BATCHES messages of
// BATCH adds each (`send` per batch, waiting for each answer as nsupdate does). Prints a Markdown table.
// Needs dist/ (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs), nsupdate (bind9-dnsutils) and
// knotd (knot). Not a test.
// Knobs: NODES (3), BATCHES (40), BATCH (50), RUNS (2), SERVERS ("dnsplane knot"), POLL_MS (1),
//        WAIT_MS (20000), NODE_CONFIG (JSON merged into every node's dnsplane.json, e.g. '{"ixfr_history_max_diffs":0}'),
//        BENCH_TIMEOUT_S (900), ZONE_RECORDS (0: A records the zone holds before the first run),
//        BASE (another checkout with its own dist/, e.g. /tmp/update-base: adds the server "base", a second cluster run
//        from it, interleaved with "dnsplane" for a before/after table; SERVERS then defaults to "base dnsplane knot"),
//        NODE_ARGS (node flags for node NODE_ARGS_AT (0: the one updated) of every cluster, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
// Usage: node bench/ddns.mjs      (or BENCH=ddns bash bench/run.sh)
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { DnsProber } from './lib/dns.mjs'
import { BenchNode, freePort } from './lib/node.mjs'
import { cleanup, installExitHandlers, removeDir, stopChild, tempDir, track } from './lib/proc.mjs'
import { fmt, int, loadText, log, markdownTable, percentile } from './lib/stats.mjs'

const NODES = Number(process.env.NODES ?? 3)
const BATCHES = Number(process.env.BATCHES ?? 40)
const BATCH = Number(process.env.BATCH ?? 50)
const RUNS = Number(process.env.RUNS ?? 2)
const BASE = process.env.BASE ? resolve(process.env.BASE) : undefined
const SERVERS = (process.env.SERVERS ?? (BASE ? 'base dnsplane knot' : 'dnsplane knot')).split(/[\s,]+/).filter(Boolean)
const POLL_MS = Number(process.env.POLL_MS ?? 1)
const WAIT_MS = Number(process.env.WAIT_MS ?? 20000)
const BENCH_TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 900)
const NODE_CONFIG = JSON.parse(process.env.NODE_CONFIG ?? '{}')
const ZONE_RECORDS = Number(process.env.ZONE_RECORDS ?? 0)
const NODE_ARGS = (process.env.NODE_ARGS ?? '').split(/\s+/).filter(Boolean)
const NODE_ARGS_AT = Number(process.env.NODE_ARGS_AT ?? 0)
const ZONE = 'bench.test'
const KEY = { name: 'ddns-bench', secret: Buffer.from('dnsplane ddns benchmark key 0123').toString('base64') }
const ZERO = '0001-01-01T00:00:00Z'

if (!(NODES >= 1 && NODES <= 5)) throw new Error(`NODES: ${NODES} is not 1..5 (hosts 127.0.0.2..6)`)
for (const s of SERVERS) if (!['dnsplane', 'knot', 'base'].includes(s)) throw new Error(`SERVERS: unknown ${s} (dnsplane, knot, base)`)
if (SERVERS.includes('base') && !BASE) throw new Error('SERVERS: "base" needs BASE (a checkout with dist/)')
if (!(Number.isInteger(ZONE_RECORDS) && ZONE_RECORDS >= 0 && ZONE_RECORDS <= 65536 * 250)) throw new Error(`ZONE_RECORDS: ${ZONE_RECORDS}`)
installExitHandlers(BENCH_TIMEOUT_S * 1000)

const SOA = `ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 900 604800 60`
const SEED = [
  { name: ZONE, type: 'SOA', value: SOA, ttl: 3600, added_on: ZERO, updated_on: ZERO, last_query: ZERO },
  { name: ZONE, type: 'NS', value: `ns1.${ZONE}.`, ttl: 3600, added_on: ZERO, updated_on: ZERO, last_query: ZERO },
]
const FILL = Array.from({ length: ZONE_RECORDS }, (_, i) => `seed-${i}.${ZONE}.\tA\t172.${16 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255}`)
for (let i = 0; i < ZONE_RECORDS; i++) {
  SEED.push({ name: `seed-${i}.${ZONE}.`, type: 'A', value: `172.${16 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255}`, ttl: 60, added_on: ZERO, updated_on: ZERO, last_query: ZERO })
}

/** A child process's exit code, stdout and stderr; `input` goes to its stdin. */
function runProcess(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const p = track(spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] }))
    let out = ''
    let err = ''
    p.stdout.on('data', (d) => (out += d))
    p.stderr.on('data', (d) => (err += d))
    p.on('error', reject)
    p.on('exit', (code) => resolve({ code, out, err }))
    p.stdin.end(input)
  })
}

/** The nsupdate script of one run: BATCHES messages of BATCH adds; returns it and the last name added. */
function script(host, port, run) {
  const lines = [`server ${host} ${port}`, `zone ${ZONE}.`]
  let last
  for (let b = 0; b < BATCHES; b++) {
    for (let i = 0; i < BATCH; i++) {
      last = { name: `r${run}-b${b}-${i}.${ZONE}`, ip: `10.${run % 256}.${b % 256}.${i % 256}` }
      lines.push(`update add ${last.name}. 60 A ${last.ip}`)
    }
    lines.push('send')
  }
  return { text: lines.join('\n') + '\n', last }
}

/** One nsupdate run against host:port; resolves { ms, ok, err }. */
async function nsupdate(host, port, run) {
  const { text, last } = script(host, port, run)
  const t0 = performance.now()
  const r = await runProcess('nsupdate', ['-y', `hmac-sha256:${KEY.name}:${KEY.secret}`], text)
  const ms = performance.now() - t0
  return { ms, end: performance.now(), ok: r.code === 0, err: (r.err + r.out).trim().slice(0, 300), last }
}

/** A cluster of NODES nodes run from `root` (this checkout when undefined). */
async function startCluster(root) {
  const nodes = []
  const bin = root && join(root, 'bin', 'dnsplane.js')
  for (let i = 0; i < NODES; i++) {
    const nodeArgs = i === NODE_ARGS_AT ? NODE_ARGS : []
    nodes.push(await BenchNode.create({ id: `node-${i}`, host: `127.0.0.${i + 2}`, dir: tempDir(`dnsplane-bench-ddns-${i}-`), apiToken: 'bench-api-token', bin, nodeArgs }))
  }
  for (const node of nodes) {
    node.writeFiles({
      cluster_enabled: NODES > 1,
      cluster_peers: nodes.filter((x) => x !== node).map((x) => x.clusterAddr),
      cluster_auth_token: 'bench-cluster-token',
      tsig_keys: [{ name: KEY.name, algorithm: 'hmac-sha256', secret: KEY.secret, operations: ['update'] }],
      ...NODE_CONFIG,
    }, SEED)
  }
  await Promise.all(nodes.map((x) => x.start()))
  return nodes
}

async function startKnot() {
  const dir = tempDir('dnsplane-bench-ddns-knot-')
  const port = await freePort('127.0.0.1')
  writeFileSync(join(dir, `${ZONE}.zone`), `$ORIGIN ${ZONE}.\n$TTL 3600\n@ SOA ${SOA}\n@ NS ns1.${ZONE}.\n${FILL.map((l) => l + '\n').join('')}`)
  writeFileSync(join(dir, 'knot.conf'), [
    'server:', `    rundir: "${dir}"`, `    listen: 127.0.0.1@${port}`,
    'database:', `    storage: "${dir}"`,
    'log:', '  - target: stderr', '    any: warning',
    'key:', `  - id: ${KEY.name}`, '    algorithm: hmac-sha256', `    secret: ${KEY.secret}`,
    'acl:', '  - id: ddns', '    address: 127.0.0.0/8', `    key: ${KEY.name}`, '    action: update',
    // journaled like ours (every update on disk before the answer); the zone file is not rewritten
    'zone:', `  - domain: ${ZONE}.`, `    file: "${join(dir, `${ZONE}.zone`)}"`, '    acl: ddns', '    zonefile-sync: -1', '    journal-content: changes', '',
  ].join('\n'))
  const proc = track(spawn('knotd', ['-c', join(dir, 'knot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] }))
  const errors = []
  proc.stderr.on('data', (d) => errors.push(String(d)))
  // ready when it answers the zone's SOA
  for (let i = 0; i < 100; i++) {
    const r = await runProcess('dig', ['+short', '+time=1', '+tries=1', '-p', String(port), '@127.0.0.1', 'SOA', `${ZONE}.`], '')
    if (r.out.includes('hostmaster')) return { proc, dir, port }
    await new Promise((res) => setTimeout(res, 100))
  }
  throw new Error(`knotd did not start: ${errors.join('').slice(0, 500)}`)
}

const prober = new DnsProber()
await prober.open()
const rows = []
const clusters = {}
let knot
const loadBefore = loadText()
try {
  for (const server of SERVERS) {
    if (server === 'knot') continue
    log(`starting ${NODES} ${server} nodes, ${loadText()}`)
    clusters[server] = await startCluster(server === 'base' ? BASE : undefined)
  }
  if (SERVERS.includes('knot')) knot = await startKnot()
  for (let run = 0; run < RUNS; run++) {
    for (const server of SERVERS) {
      const nodes = clusters[server]
      const target = server === 'knot' ? { host: '127.0.0.1', port: knot.port } : { host: nodes[0].host, port: nodes[0].dnsPort }
      const r = await nsupdate(target.host, target.port, run)
      if (!r.ok) throw new Error(`${server}: nsupdate failed: ${r.err}`)
      let allPeersMs = NaN
      let missing = 0
      if (server !== 'knot' && nodes.length > 1) {
        const peers = nodes.slice(1).map((x) => ({ host: x.host, port: x.dnsPort }))
        const times = await prober.waitAll(peers, r.last.name, r.last.ip, { intervalMs: POLL_MS, timeoutMs: WAIT_MS })
        missing = times.filter((t) => t === null).length
        if (missing === 0) allPeersMs = Math.max(...times) - r.end
      }
      const self = await prober.waitAll([target], r.last.name, r.last.ip, { intervalMs: 20, timeoutMs: 2000 })
      const updates = BATCHES * BATCH
      rows.push({ server, run, ms: r.ms, ups: (updates / r.ms) * 1000, msgs: (BATCHES / r.ms) * 1000, allPeersMs, missing, served: self[0] !== null })
      log(`${server} run ${run + 1}/${RUNS}: ${int((updates / r.ms) * 1000)} updates/s, peers +${fmt(allPeersMs)} ms, ${loadText()}`)
    }
  }
} finally {
  prober.close()
  if (knot) await stopChild(knot.proc)
  for (const nodes of Object.values(clusters)) {
    await Promise.allSettled(nodes.map((x) => x.stop()))
    for (const x of nodes) removeDir(x.dir)
  }
  await cleanup()
}

const cmd = `${process.env.NODE_CONFIG ? `NODE_CONFIG='${process.env.NODE_CONFIG}' ` : ''}${BASE ? `BASE=${BASE} ` : ''}ZONE_RECORDS=${ZONE_RECORDS} NODES=${NODES} BATCHES=${BATCHES} BATCH=${BATCH} RUNS=${RUNS} SERVERS="${SERVERS.join(' ')}" node bench/ddns.mjs`
console.log(`\n### Dynamic updates, nsupdate batches (${new Date().toISOString().slice(0, 10)}, node ${process.version})\n`)
console.log(`Command: \`${cmd}\` (machine: ${loadBefore} → ${loadText()})\n`)
console.log(markdownTable(
  ['server', 'run', 'updates', 'messages', 'seconds', 'updates/s', 'messages/s', 'all peers answer, ms after nsupdate exits', 'peers missing', 'last name served'],
  rows.map((r) => [r.server, r.run + 1, BATCHES * BATCH, BATCHES, fmt(r.ms / 1000, 2), int(r.ups), fmt(r.msgs), r.server === 'knot' ? '- (no peers)' : fmt(r.allPeersMs), r.missing, r.served ? 'yes' : 'NO']),
))
for (const server of SERVERS) {
  const mine = rows.filter((r) => r.server === server)
  console.log(`\n${server}: median ${int(percentile(mine.map((r) => r.ups), 50))} updates/s over ${mine.length} runs`)
}
