// Replication latency benchmark: N real dnsplane nodes (127.0.0.2..) in a full mesh; WRITES times a
// record is POSTed to node 0's REST API and we time how long until EVERY other node answers it over
// UDP DNS (polled every POLL_MS). Prints a Markdown table per run and the command.
// Needs dist/ (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs). Not a test.
// Knobs: NODES ("3 5"), WRITES (200), POLICY (lww_per_node; passed verbatim to cluster_sync_policy),
//        WRITE_TIMEOUT_MS (5000), POLL_MS (1), BENCH_TIMEOUT_S (900).
// Usage: node bench/replication.mjs      (or BENCH=replication bash bench/run.sh)
import { performance } from 'node:perf_hooks'
import { DnsProber } from './lib/dns.mjs'
import { BenchNode } from './lib/node.mjs'
import { cleanup, installExitHandlers, removeDir, tempDir } from './lib/proc.mjs'
import { fmt, loadText, log, markdownTable, percentile } from './lib/stats.mjs'

const NODES = (process.env.NODES ?? '3 5').split(/[\s,]+/).filter(Boolean).map(Number)
const WRITES = Number(process.env.WRITES ?? 200)
const POLICY = process.env.POLICY ?? 'lww_per_node'
const WRITE_TIMEOUT_MS = Number(process.env.WRITE_TIMEOUT_MS ?? 5000)
const POLL_MS = Number(process.env.POLL_MS ?? 1)
const BENCH_TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 900)
const CLUSTER_TOKEN = 'bench-cluster-token'
const API_TOKEN = 'bench-api-token'
const ZONE = 'bench.test'

for (const n of NODES) if (!(n >= 2 && n <= 5)) throw new Error(`NODES: ${n} is not 2..5 (hosts 127.0.0.2..6)`)
installExitHandlers(BENCH_TIMEOUT_S * 1000)

/** Every node starts with the zone's SOA, so a name not replicated yet gets a fast authoritative NXDOMAIN. */
const SEED = [{ name: ZONE, type: 'SOA', value: `ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 900 604800 60`, ttl: 3600, added_on: '0001-01-01T00:00:00Z', updated_on: '0001-01-01T00:00:00Z', last_query: '0001-01-01T00:00:00Z' }]

async function startCluster(n) {
  const nodes = []
  for (let i = 0; i < n; i++) {
    nodes.push(await BenchNode.create({ id: `node-${i}`, host: `127.0.0.${i + 2}`, dir: tempDir(`dnsplane-bench-repl-${i}-`), apiToken: API_TOKEN }))
  }
  for (const node of nodes) {
    const extra = {
      cluster_peers: nodes.filter((x) => x !== node).map((x) => x.clusterAddr),
      cluster_auth_token: CLUSTER_TOKEN,
      cluster_sync_policy: POLICY,
      // primary_writer needs the writer listed, or every snapshot is refused
      ...(POLICY.trim().toLowerCase() === 'primary_writer' ? { cluster_allowed_writer_node_ids: ['node-0'] } : {}),
    }
    node.writeFiles(extra, SEED)
  }
  await Promise.all(nodes.map((x) => x.start()))
  return nodes
}

async function stopCluster(nodes) {
  await Promise.allSettled(nodes.map((x) => x.stop()))
  for (const x of nodes) removeDir(x.dir)
}

/** One write on node 0; resolves { ack, first, all } in ms from the POST, null entries for peers that never answered. */
async function oneWrite(nodes, prober, name, ip) {
  const peers = nodes.slice(1).map((x) => ({ host: x.host, port: x.dnsPort }))
  const t0 = performance.now()
  const waiting = prober.waitAll(peers, name, ip, { intervalMs: POLL_MS, timeoutMs: WRITE_TIMEOUT_MS })
  const res = await nodes[0].api('POST', '/dns/records', { name, type: 'A', value: ip, ttl: 60 })
  const ack = performance.now() - t0
  if (res.status !== 201) throw new Error(`POST ${name} answered ${res.status}: ${JSON.stringify(res.json)}`)
  const times = await waiting
  const answered = times.filter((t) => t !== null).map((t) => t - t0)
  return { ack, first: answered.length ? Math.min(...answered) : null, all: answered.length === times.length ? Math.max(...answered) : null, missing: times.length - answered.length }
}

async function run(n, prober) {
  log(`starting ${n} nodes (policy ${POLICY}), ${loadText()}`)
  const nodes = await startCluster(n)
  try {
    // warm-up (not counted): first push dials the peers, JIT warms up
    const warm = await oneWrite(nodes, prober, `warmup.n${n}.${ZONE}`, '192.0.2.1')
    if (warm.all === null) log(`warm-up write did not reach every peer within ${WRITE_TIMEOUT_MS} ms`)
    const samples = []
    const names = []
    const loadBefore = loadText()
    for (let i = 0; i < WRITES; i++) {
      const name = `w${i}.n${n}.${ZONE}`
      const ip = `10.${n}.${i >> 8}.${i & 255}`
      names.push([name, ip])
      samples.push(await oneWrite(nodes, prober, name, ip))
      if ((i + 1) % 50 === 0) log(`${n} nodes: ${i + 1}/${WRITES} writes`)
    }
    // final check: every write present on every node (including node 0) after the run
    let missingAtEnd = 0
    const all = nodes.map((x) => ({ host: x.host, port: x.dnsPort }))
    for (const [name, ip] of names) {
      const t = await prober.waitAll(all, name, ip, { intervalMs: 20, timeoutMs: 2000 })
      missingAtEnd += t.filter((x) => x === null).length
    }
    const policyWarnings = nodes.flatMap((x) => x.grepLog(/unknown policy|cluster_sync_policy/i))
    const ok = samples.filter((s) => s.all !== null)
    return {
      n,
      writes: WRITES,
      lost: samples.length - ok.length,
      missingAtEnd,
      ack: percentile(samples.map((s) => s.ack), 50),
      first: percentile(samples.filter((s) => s.first !== null).map((s) => s.first), 50),
      p50: percentile(ok.map((s) => s.all), 50),
      p99: percentile(ok.map((s) => s.all), 99),
      max: ok.length ? Math.max(...ok.map((s) => s.all)) : NaN,
      load: `${loadBefore} → ${loadText()}`,
      policyWarnings,
    }
  } catch (err) {
    for (const x of nodes) log(`--- ${x.id} log tail\n${x.log.slice(-15).join('\n')}`)
    throw err
  } finally {
    await stopCluster(nodes)
  }
}

const prober = new DnsProber()
await prober.open()
const results = []
try {
  for (const n of NODES) results.push(await run(n, prober))
} finally {
  prober.close()
  await cleanup()
}

const cmd = `NODES="${NODES.join(' ')}" WRITES=${WRITES} POLICY=${POLICY} WRITE_TIMEOUT_MS=${WRITE_TIMEOUT_MS} POLL_MS=${POLL_MS} node bench/replication.mjs`
console.log(`\n### Replication latency (${new Date().toISOString().slice(0, 10)}, node ${process.version})\n`)
console.log(`Command: \`${cmd}\`\n`)
console.log(
  markdownTable(
    ['nodes', 'policy', 'writes', 'lost (>' + WRITE_TIMEOUT_MS + ' ms)', 'missing at end', 'POST ack p50 ms', 'first peer p50 ms', 'all peers p50 ms', 'all peers p99 ms', 'all peers max ms', 'machine load'],
    results.map((r) => [r.n, POLICY, r.writes, r.lost, r.missingAtEnd, fmt(r.ack), fmt(r.first), fmt(r.p50), fmt(r.p99), fmt(r.max), r.load]),
  ),
)
console.log(`\nTimes are from sending the POST to node 0 until the first / the last of the other nodes answers the new name over UDP (polled every ${POLL_MS} ms); one warm-up write per run is not counted. "missing at end": (node, write) pairs not answered 2 s after the last write.`)
for (const r of results) if (r.policyWarnings.length) console.log(`\nNote (${r.n} nodes): node log says: ${r.policyWarnings[0].slice(0, 300)}`)
