// Scale benchmark (issue #12's goals): NODES real dnsplane nodes (127.0.0.2..), each started on the same
// SIZE records (cluster_sync_policy POLICY, record_lww by default), then, against node 0:
//   start-up   spawn until every node answers the last record over UDP; RSS of each node after SETTLE_MS
//   idle DNS   round trips of a query stream (one query every PROBE_MS) for IDLE_MS: p50, p99, max
//   one write  WRITES sequential REST writes: acknowledged (p50/p99), and answered by every peer (p50/p99);
//              disk bytes written by node 0 (/proc/<pid>/io write_bytes) and cluster bytes it sent
//              (dnsplane_cluster_bytes_total{direction="out"}) per write
//   under load writes offered at RATE/s for LOAD_MS (at most MAX_INFLIGHT in flight) while the query
//              stream runs: writes acknowledged/s, DNS p99 and max against the idle figures
//   throughput CONCURRENCY clients writing back to back for THROUGHPUT_MS: acknowledged writes/s
// Every phase has a time budget, so a slow store reports what it managed instead of running for hours.
// Needs dist/ (npx tsc -p tsconfig.json && node scripts/copy-assets.mjs). Not a test: prints a table.
// Knobs: SIZES ("10000,100000,1000000"), NODES (3), POLICY (record_lww), WRITES (100), RATE (1000),
//        LOAD_MS (5000), CONCURRENCY (8), THROUGHPUT_MS (5000), IDLE_MS (3000), PROBE_MS (5),
//        PHASE_BUDGET_MS (60000), START_TIMEOUT_MS (300000), SETTLE_MS (1000), BENCH_TIMEOUT_S (3600),
//        PHASES ("seq,load,throughput": the write phases to run), BIN (another checkout's bin/dnsplane.js, for a
//        before/after run), PROF_DIR (every node runs with --cpu-prof into this directory: node-<i>.cpuprofile).
// Usage: node bench/scale.mjs      (or BENCH=scale bash bench/run.sh)
import { randomUUID } from 'node:crypto'
import dgram from 'node:dgram'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import dnsPacket from 'dns-packet'
import { DnsProber } from './lib/dns.mjs'
import { BenchNode } from './lib/node.mjs'
import { cleanup, installExitHandlers, removeDir, tempDir } from './lib/proc.mjs'
import { fmt, int, loadText, log, markdownTable, percentile } from './lib/stats.mjs'

const num = (key, dflt) => Number(process.env[key] ?? dflt)
const SIZES = (process.env.SIZES ?? '10000,100000,1000000').split(/[\s,]+/).filter(Boolean).map(Number)
const NODES = num('NODES', 3)
const POLICY = process.env.POLICY ?? 'record_lww'
const WRITES = num('WRITES', 100)
const RATE = num('RATE', 1000)
const LOAD_MS = num('LOAD_MS', 5000)
const MAX_INFLIGHT = num('MAX_INFLIGHT', 64)
const CONCURRENCY = num('CONCURRENCY', 8)
const THROUGHPUT_MS = num('THROUGHPUT_MS', 5000)
const IDLE_MS = num('IDLE_MS', 3000)
const PROBE_MS = num('PROBE_MS', 5)
const PHASE_BUDGET_MS = num('PHASE_BUDGET_MS', 60_000)
const START_TIMEOUT_MS = num('START_TIMEOUT_MS', 300_000)
const SETTLE_MS = num('SETTLE_MS', 1000)
const BENCH_TIMEOUT_S = num('BENCH_TIMEOUT_S', 3600)
const PHASES = new Set((process.env.PHASES ?? 'seq,load,throughput').split(/[\s,]+/).filter(Boolean))
const BIN = process.env.BIN || undefined
const PROF_DIR = process.env.PROF_DIR || undefined
const ZONE = 'scale.test'
const ZERO = '0001-01-01T00:00:00Z'
const MiB = 1024 * 1024

for (const n of SIZES) if (!(Number.isInteger(n) && n >= 3)) throw new Error(`SIZES: ${n} is not an integer >= 3`)
if (!(NODES >= 1 && NODES <= 5)) throw new Error(`NODES: ${NODES} is not 1..5 (hosts 127.0.0.2..6)`)
installExitHandlers(BENCH_TIMEOUT_S * 1000)

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const lastName = (n) => `host${n - 3}.${ZONE}`
const ipOf = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`

/** n records as the API writes them: the SOA, a probe name, n-2 A hosts (the last one is the start-up sentinel). */
function generate(n) {
  const out = [
    { name: ZONE, type: 'SOA', value: `ns1.${ZONE}. hostmaster.${ZONE}. 1 3600 900 604800 60`, ttl: 3600, added_on: ZERO, updated_on: ZERO, last_query: ZERO },
    { name: `probe.${ZONE}`, type: 'A', value: '192.0.2.99', ttl: 3600, added_on: ZERO, updated_on: ZERO, last_query: ZERO },
  ]
  for (let i = 0; i <= n - 3; i++) out.push({ id: randomUUID(), name: `host${i}.${ZONE}`, type: 'A', value: ipOf(i), ttl: 3600, added_on: ZERO, updated_on: ZERO, last_query: ZERO })
  return out
}

/** Round trips of one query every `intervalMs` to a node; unanswered queries count at their age on stop(). */
class LatencyStream {
  #sock
  #sent = new Map()
  #tick
  rtts = []

  async start(host, port, intervalMs) {
    this.#sock = dgram.createSocket('udp4')
    this.#sock.on('error', () => {})
    this.#sock.on('message', (buf) => {
      const at = buf.length >= 2 ? this.#sent.get(buf.readUInt16BE(0)) : undefined
      if (at === undefined) return
      this.#sent.delete(buf.readUInt16BE(0))
      this.rtts.push(performance.now() - at)
    })
    await new Promise((r) => this.#sock.bind(0, '127.0.0.1', r))
    let id = 0
    const query = (qid) => dnsPacket.encode({ type: 'query', id: qid, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: `probe.${ZONE}`, type: 'A', class: 'IN' }] })
    this.#tick = setInterval(() => {
      id = (id % 65535) + 1
      this.#sent.set(id, performance.now())
      this.#sock.send(query(id), port, host)
    }, intervalMs)
  }

  stop() {
    clearInterval(this.#tick)
    const now = performance.now()
    for (const at of this.#sent.values()) this.rtts.push(now - at)
    this.#sock?.close()
    return { p50: percentile(this.rtts, 50), p99: percentile(this.rtts, 99), max: this.rtts.length ? Math.max(...this.rtts) : NaN, n: this.rtts.length }
  }
}

async function measureStream(node, ms) {
  const s = new LatencyStream()
  await s.start(node.host, node.dnsPort, PROBE_MS)
  await sleep(ms)
  return s.stop()
}

/** CPU time (user + system, ms) the node process used so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuMs(node) {
  const fields = readFileSync(`/proc/${node.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

function diskWriteBytes(node) {
  const io = readFileSync(`/proc/${node.proc.pid}/io`, 'utf8')
  return Number(/^write_bytes:\s+(\d+)/m.exec(io)?.[1] ?? NaN)
}

async function clusterBytesOut(node) {
  const res = await fetch(`http://${node.host}:${node.apiPort}/metrics`, { headers: { authorization: `Bearer ${node.apiToken}` }, signal: AbortSignal.timeout(10_000) })
  let sum = 0
  for (const line of (await res.text()).split('\n')) {
    if (line.startsWith('dnsplane_cluster_bytes_total{') && line.includes('direction="out"')) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

let writeSeq = 0
/** One REST write to `node`; resolves the name, its value and the acknowledgement time (ms), or throws. */
async function write(node, tag) {
  const i = writeSeq++
  const name = `${tag}${i}.w.${ZONE}`
  const value = ipOf(i)
  const t0 = performance.now()
  const res = await node.api('POST', '/dns/records', { name, type: 'A', value, ttl: 60 }, PHASE_BUDGET_MS)
  if (res.status !== 201) throw new Error(`POST ${name} answered ${res.status}: ${JSON.stringify(res.json).slice(0, 200)}`)
  return { name, value, ack: performance.now() - t0, t0 }
}

async function startCluster(n, records) {
  const nodes = []
  for (let i = 0; i < NODES; i++) {
    const nodeArgs = PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROF_DIR, '--cpu-prof-name', `node-${i}.cpuprofile`] : undefined
    nodes.push(await BenchNode.create({ id: `node-${i}`, host: `127.0.0.${i + 2}`, dir: tempDir(`dnsplane-bench-scale-${i}-`), apiToken: 'bench-api-token', bin: BIN, nodeArgs }))
  }
  for (const node of nodes) {
    node.writeFiles({ cluster_enabled: NODES > 1, cluster_peers: nodes.filter((x) => x !== node).map((x) => x.clusterAddr), cluster_auth_token: 'bench-cluster-token', cluster_sync_policy: POLICY }, records)
  }
  return nodes
}

async function startUp(nodes, n, prober) {
  const t0 = performance.now()
  await Promise.all(nodes.map((x) => x.start(START_TIMEOUT_MS)))
  const up = await prober.waitAll(nodes.map((x) => ({ host: x.host, port: x.dnsPort })), lastName(n), ipOf(n - 3), { intervalMs: 20, timeoutMs: START_TIMEOUT_MS })
  await sleep(SETTLE_MS)
  return { startMs: up.some((t) => t === null) ? NaN : Math.max(...up) - t0, rss: Math.max(...nodes.map((x) => x.memory().rss)) }
}

async function sequentialWrites(nodes, prober) {
  const peers = nodes.slice(1).map((x) => ({ host: x.host, port: x.dnsPort }))
  const acks = []
  const everywhere = []
  const disk0 = diskWriteBytes(nodes[0])
  const wire0 = NODES > 1 ? await clusterBytesOut(nodes[0]) : 0
  const deadline = performance.now() + PHASE_BUDGET_MS
  for (let i = 0; i < WRITES && performance.now() < deadline; i++) {
    const w = await write(nodes[0], 'seq')
    acks.push(w.ack)
    if (peers.length) {
      const at = await prober.waitAll(peers, w.name, w.value, { intervalMs: 1, timeoutMs: Math.max(1000, deadline - performance.now()) })
      if (at.every((t) => t !== null)) everywhere.push(Math.max(...at) - w.t0)
    }
  }
  await sleep(SETTLE_MS)
  const done = acks.length
  return {
    done,
    ackP50: percentile(acks, 50), ackP99: percentile(acks, 99),
    allP50: percentile(everywhere, 50), allP99: percentile(everywhere, 99), notEverywhere: peers.length ? done - everywhere.length : 0,
    diskPerWrite: done ? (diskWriteBytes(nodes[0]) - disk0) / done : NaN,
    wirePerWrite: done && NODES > 1 ? ((await clusterBytesOut(nodes[0])) - wire0) / done : NaN,
  }
}

/** Writes offered at RATE/s (open loop, at most MAX_INFLIGHT pending) while a query stream measures DNS. */
async function writesUnderLoad(node) {
  const stream = new LatencyStream()
  await stream.start(node.host, node.dnsPort, PROBE_MS)
  let inflight = 0
  let acked = 0
  let failed = 0
  let skipped = 0
  const pending = new Set()
  const t0 = performance.now()
  const gap = 1000 / RATE
  for (let due = 0; due < LOAD_MS; due += gap) {
    const wait = t0 + due - performance.now()
    if (wait > 1) await sleep(wait)
    if (inflight >= MAX_INFLIGHT) {
      skipped++
      continue
    }
    inflight++
    const p = write(node, 'load').then(() => acked++, () => failed++).finally(() => { inflight--; pending.delete(p) })
    pending.add(p)
  }
  const elapsed = performance.now() - t0
  const dns = stream.stop()
  await Promise.race([Promise.allSettled([...pending]), sleep(PHASE_BUDGET_MS)])
  return { ackedPerS: (acked / elapsed) * 1000, failed, skipped, dns }
}

async function throughput(node) {
  let acked = 0
  let failed = 0
  const acks = []
  const cpu0 = cpuMs(node)
  const t0 = performance.now()
  const end = t0 + THROUGHPUT_MS
  const client = async () => {
    while (performance.now() < end) {
      try {
        acks.push((await write(node, 'tp')).ack)
        acked++
      } catch {
        failed++
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, client))
  return { perS: (acked / (performance.now() - t0)) * 1000, failed, ackP50: percentile(acks, 50), ackP99: percentile(acks, 99), cpuPerWrite: acked ? (cpuMs(node) - cpu0) / acked : NaN }
}

async function run(n, prober) {
  log(`${int(n)} records, ${NODES} node(s), ${POLICY}: generating, ${loadText()}`)
  const nodes = await startCluster(n, generate(n))
  try {
    log('starting nodes')
    const row = { n, load0: loadText(), ...(await startUp(nodes, n, prober)) }
    log(`started in ${fmt(row.startMs, 0)} ms; idle DNS`)
    row.idle = await measureStream(nodes[0], IDLE_MS)
    const skipped = { done: 0, notEverywhere: 0, perS: NaN, cpuPerWrite: NaN, ackedPerS: NaN, failed: 0, dns: { p99: NaN, max: NaN } }
    log('sequential writes')
    row.seq = PHASES.has('seq') ? await sequentialWrites(nodes, prober) : skipped
    log(`writes at ${RATE}/s for ${LOAD_MS} ms`)
    row.loaded = PHASES.has('load') ? await writesUnderLoad(nodes[0]) : skipped
    log(`${CONCURRENCY} concurrent writers for ${THROUGHPUT_MS} ms`)
    row.tp = PHASES.has('throughput') ? await throughput(nodes[0]) : skipped
    row.load1 = loadText()
    return row
  } catch (err) {
    for (const x of nodes) log(`--- ${x.id} log tail\n${x.log.slice(-10).join('\n')}`)
    throw err
  } finally {
    await Promise.allSettled(nodes.map((x) => x.stop()))
    for (const x of nodes) removeDir(x.dir)
  }
}

const prober = new DnsProber()
await prober.open()
const rows = []
try {
  for (const n of SIZES) rows.push(await run(n, prober))
} finally {
  prober.close()
  await cleanup()
}

const cmd = `SIZES=${SIZES.join(',')} NODES=${NODES} POLICY=${POLICY} WRITES=${WRITES} RATE=${RATE} LOAD_MS=${LOAD_MS} CONCURRENCY=${CONCURRENCY} THROUGHPUT_MS=${THROUGHPUT_MS} node bench/scale.mjs`
console.log(`\n### Scale (${new Date().toISOString().slice(0, 10)}, node ${process.version})\n`)
console.log(`Command: \`${cmd}\`\n`)
console.log(
  markdownTable(
    ['records', 'start-up s', 'RSS MiB (max node)', 'idle DNS p99 / max ms', 'writes done', 'ack p50 / p99 ms', 'every peer answers p50 / p99 ms', 'disk B / write (node 0)', 'cluster B out / write', `acked/s at ${RATE}/s offered`, 'DNS p99 / max ms under writes', `acked/s, ${CONCURRENCY} clients`, `ack p50 / p99 ms, ${CONCURRENCY} clients`, 'node 0 CPU ms / write', 'machine load'],
    rows.map((r) => [
      int(r.n), fmt(r.startMs / 1000, 1), fmt(r.rss / MiB, 0), `${fmt(r.idle.p99, 2)} / ${fmt(r.idle.max, 1)}`,
      `${r.seq.done}${r.seq.notEverywhere ? ` (${r.seq.notEverywhere} not on every peer)` : ''}`,
      `${fmt(r.seq.ackP50)} / ${fmt(r.seq.ackP99)}`, `${fmt(r.seq.allP50)} / ${fmt(r.seq.allP99)}`,
      int(r.seq.diskPerWrite), fmt(r.seq.wirePerWrite, 0),
      `${fmt(r.loaded.ackedPerS, 0)}${r.loaded.failed ? ` (${r.loaded.failed} failed)` : ''}`, `${fmt(r.loaded.dns.p99, 2)} / ${fmt(r.loaded.dns.max, 1)}`,
      `${fmt(r.tp.perS, 0)}${r.tp.failed ? ` (${r.tp.failed} failed)` : ''}`, `${fmt(r.tp.ackP50)} / ${fmt(r.tp.ackP99)}`, fmt(r.tp.cpuPerWrite, 2), `${r.load0} → ${r.load1}`,
    ]),
  ),
)
console.log(`\nstart-up: spawning every node until all answer the last generated record over UDP; RSS: the largest VmRSS ${SETTLE_MS} ms later. DNS latency: one A query every ${PROBE_MS} ms to node 0 (unanswered ones count at their age). Writes: POST /dns/records to node 0, each phase bounded by ${PHASE_BUDGET_MS} ms; "every peer answers" is polled over UDP every 1 ms; disk bytes are /proc/<pid>/io write_bytes (including background flushes within ${SETTLE_MS} ms). Goals (#12, 1M records, record_lww, 3 nodes): start-up ≤ 5 s, RSS ≤ 600 MiB, ack p99 ≤ 10 ms, every peer p99 ≤ 100 ms, DNS p99 under 1,000 writes/s ≤ 2× idle and max ≤ 50 ms, ≥ 5,000 acked writes/s.`)
